//! One decoded event with the JSON text it came as and what its transport says about it.

use bridgecraft_factory::{DecodeError, DecodeResult, Decoded, EventFactory};

/// One decoded event, with the JSON text it was decoded from and what the transport says about
/// it.
///
/// Filters that read JSON (event patterns, CEL expressions) match [`json`](Self::json), the
/// event's own text: typed events are never written back to JSON to be matched.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Delivery<D> {
    /// The decoded event: typed, or unknown with its raw JSON kept.
    pub event: Decoded<D>,
    /// The SQS or SNS message id, when the event came in a message.
    pub message_id: Option<String>,
    /// How many times the queue has handed this message out, this time included, when known.
    /// A value above 1 means an earlier attempt failed or timed out.
    pub receive_count: Option<u32>,
    json: Box<str>,
}

impl<D> Delivery<D> {
    /// Decodes a bare EventBridge event, as a Lambda function targeted by a rule or an SNS
    /// message holds it.
    pub fn from_event<F>(factory: &F, json: &str) -> Result<Self, DecodeError>
    where
        F: EventFactory<Detail = D> + ?Sized,
    {
        Self::keeping_text(KeepText(factory).decode_event(json))
    }

    /// Decodes the body of an SQS message: an event, or an SNS notification holding one (see
    /// [`EventFactory::decode_sqs_body`]). The text kept is the event's, inside any
    /// notification.
    pub fn from_sqs_body<F>(factory: &F, body: &str) -> Result<Self, DecodeError>
    where
        F: EventFactory<Detail = D> + ?Sized,
    {
        Self::keeping_text(KeepText(factory).decode_sqs_body(body))
    }

    fn keeping_text(decoded: DecodeResult<WithText<D>>) -> Result<Self, DecodeError> {
        let (event, json) = match decoded? {
            Decoded::Typed(event) => {
                let mut json = Box::default();
                let event = event.map_detail(|with_text| {
                    json = with_text.text;
                    with_text.detail
                });
                (Decoded::Typed(event), json)
            }
            Decoded::Unknown(unknown) => {
                let json = unknown.raw().into();
                (Decoded::Unknown(unknown), json)
            }
        };
        Ok(Self {
            event,
            message_id: None,
            receive_count: None,
            json,
        })
    }

    /// The same delivery with this message id.
    pub fn with_message_id(mut self, message_id: impl Into<String>) -> Self {
        self.message_id = Some(message_id.into());
        self
    }

    /// The same delivery with this receive count.
    pub fn with_receive_count(mut self, receive_count: u32) -> Self {
        self.receive_count = Some(receive_count);
        self
    }

    /// The event's JSON text as it arrived (inside any SQS or SNS envelope, unescaped).
    pub fn json(&self) -> &str {
        &self.json
    }
}

/// A factory's detail with the text of the event it came in.
struct WithText<D> {
    detail: D,
    text: Box<str>,
}

/// A factory that keeps the text of each typed event beside its detail.
///
/// The envelope methods of [`EventFactory`] unwrap SQS and SNS layers and call
/// [`decode_event`](EventFactory::decode_event) on the event's own text, so this sees exactly
/// the text the detail was decoded from, whatever the envelope.
struct KeepText<'a, F: ?Sized>(&'a F);

impl<F: EventFactory + ?Sized> EventFactory for KeepText<'_, F> {
    type Detail = WithText<F::Detail>;

    fn decode_event(&self, json: &str) -> DecodeResult<WithText<F::Detail>> {
        Ok(match self.0.decode_event(json)? {
            Decoded::Typed(event) => Decoded::Typed(event.map_detail(|detail| WithText {
                detail,
                text: json.trim().into(),
            })),
            Decoded::Unknown(unknown) => Decoded::Unknown(unknown),
        })
    }
}

#[cfg(test)]
mod tests {
    use bridgecraft_factory::{Factory, Known};

    use super::*;
    use crate::tests::{Ping, ping};

    #[test]
    fn the_json_kept_is_the_events_own_text_inside_any_envelope() {
        let factory = Factory::<Ping, _>::new(Known::<Ping>::new());
        let event = ping("test.app", "Ping", r#"{"n": 7}"#);
        let message =
            serde_json::json!({"Type": "Notification", "MessageId": "m", "Message": event});
        let notification = serde_json::to_string(&message).unwrap();

        for delivery in [
            Delivery::from_event(&factory, &event).unwrap(),
            Delivery::from_sqs_body(&factory, &event).unwrap(),
            Delivery::from_sqs_body(&factory, &notification).unwrap(),
        ] {
            assert!(matches!(delivery.event, Decoded::Typed(_)));
            assert_eq!(delivery.json(), event);
        }

        let unknown = ping("other.app", "Pong", r#"{"m": 1}"#);
        let delivery = Delivery::from_event(&factory, &format!(" {unknown}\n")).unwrap();
        assert!(matches!(delivery.event, Decoded::Unknown(_)));
        assert_eq!(delivery.json(), unknown);

        let delivery = delivery.with_message_id("m-1").with_receive_count(2);
        assert_eq!(delivery.message_id.as_deref(), Some("m-1"));
        assert_eq!(delivery.receive_count, Some(2));
        assert!(Delivery::from_event(&factory, "{").is_err());
    }
}
