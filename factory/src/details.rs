//! Detail factories: what knows which `source`/`detail-type` pairs, and decodes their `detail`.

use std::marker::PhantomData;

use bridgecraft_events::DetailSet;
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

/// Knows some `source`/`detail-type` pairs and decodes their `detail` into `D`.
///
/// `D` is what the whole factory hands back: the crate-wide
/// [`Detail`](bridgecraft_events::Detail) for AWS events alone, or an enum of the user's own
/// (see [`detail_enum!`](crate::detail_enum)) that each chained factory's types convert into.
/// Factories chain with [`Chain::or`](crate::Chain::or) (`Known::<A>::new().or(Aws)`): the first that knows a pair decodes it, and pairs no
/// factory knows become [`Unknown`](crate::Decoded::Unknown).
///
/// [`Known`] covers any [`DetailSet`], which includes every single `EventDetail`
/// (`bridgecraft_events::EventDetail`) type; implement this trait yourself for anything else,
/// such as a factory that picks types from a table at run time.
pub trait DetailFactory<D>: Send + Sync {
    /// Whether this factory has a type for the pair.
    fn knows(&self, source: &str, detail_type: &str) -> bool;

    /// Decodes the `detail` of a pair this factory [`knows`](Self::knows).
    ///
    /// The deserializer is positioned on the detail itself: for `serde_json` this reads the
    /// input in place, with no copy and no intermediate value.
    fn decode<'de, De: Deserializer<'de>>(
        &self,
        source: &str,
        detail_type: &str,
        deserializer: De,
    ) -> Result<D, De::Error>;

    /// Decodes the `detail` of any pair: typed when this factory knows the pair, else kept as
    /// raw JSON.
    ///
    /// The default asks [`knows`](Self::knows), then [`decode`](Self::decode). A factory whose
    /// decoding already tells known pairs from unknown ones overrides it to look the pair up
    /// once: the factory calls this on its fast path.
    fn decode_or_keep<'de, De: Deserializer<'de>>(
        &self,
        source: &str,
        detail_type: &str,
        deserializer: De,
    ) -> Result<MaybeTyped<D>, De::Error> {
        if self.knows(source, detail_type) {
            self.decode(source, detail_type, deserializer)
                .map(MaybeTyped::Typed)
        } else {
            Box::<RawValue>::deserialize(deserializer).map(MaybeTyped::Raw)
        }
    }
}

/// A detail decoded into its type, or kept raw because its pair is not known.
#[derive(Clone, Debug)]
pub enum MaybeTyped<D> {
    /// The detail in its type.
    Typed(D),
    /// The detail's JSON, as it came.
    Raw(Box<RawValue>),
}

/// The detail types of a [`DetailSet`] `S`, handed back as any `D` that `S` converts into.
///
/// `Known::<OrderPlaced>::new()` knows one user type; `Known::<aws_ec2::Detail>::new()` knows
/// every EC2 detail type.
pub struct Known<S>(PhantomData<fn() -> S>);

impl<S> Known<S> {
    /// The factory for `S`.
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<S> Default for Known<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S> Clone for Known<S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S> Copy for Known<S> {}

impl<S> std::fmt::Debug for Known<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Known<{}>", std::any::type_name::<S>())
    }
}

impl<S: DetailSet, D: From<S>> DetailFactory<D> for Known<S> {
    fn knows(&self, source: &str, detail_type: &str) -> bool {
        S::contains(source, detail_type)
    }

    fn decode<'de, De: Deserializer<'de>>(
        &self,
        source: &str,
        detail_type: &str,
        deserializer: De,
    ) -> Result<D, De::Error> {
        S::deserialize_detail(source, detail_type, deserializer).map(D::from)
    }

    fn decode_or_keep<'de, De: Deserializer<'de>>(
        &self,
        source: &str,
        detail_type: &str,
        deserializer: De,
    ) -> Result<MaybeTyped<D>, De::Error> {
        known::<S, D, De>(source, detail_type, deserializer)
    }
}

/// Decodes a detail of the set `S` with one lookup of the pair, or keeps it raw.
fn known<'de, S: DetailSet, D: From<S>, De: Deserializer<'de>>(
    source: &str,
    detail_type: &str,
    deserializer: De,
) -> Result<MaybeTyped<D>, De::Error> {
    Ok(
        match S::deserialize_known(source, detail_type, deserializer)? {
            Ok(detail) => MaybeTyped::Typed(D::from(detail)),
            Err(raw) => MaybeTyped::Raw(raw),
        },
    )
}

/// Two factories chained: `first` decodes the pairs it knows, `second` the rest.
#[derive(Clone, Copy, Debug, Default)]
pub struct Or<A, B> {
    pub(crate) first: A,
    pub(crate) second: B,
}

impl<A, B> Or<A, B> {
    /// `first`, then `second` for the pairs `first` does not know.
    pub const fn new(first: A, second: B) -> Self {
        Self { first, second }
    }
}

impl<D, A: DetailFactory<D>, B: DetailFactory<D>> DetailFactory<D> for Or<A, B> {
    fn knows(&self, source: &str, detail_type: &str) -> bool {
        self.first.knows(source, detail_type) || self.second.knows(source, detail_type)
    }

    fn decode<'de, De: Deserializer<'de>>(
        &self,
        source: &str,
        detail_type: &str,
        deserializer: De,
    ) -> Result<D, De::Error> {
        if self.first.knows(source, detail_type) {
            self.first.decode(source, detail_type, deserializer)
        } else {
            self.second.decode(source, detail_type, deserializer)
        }
    }

    fn decode_or_keep<'de, De: Deserializer<'de>>(
        &self,
        source: &str,
        detail_type: &str,
        deserializer: De,
    ) -> Result<MaybeTyped<D>, De::Error> {
        if self.first.knows(source, detail_type) {
            self.first
                .decode(source, detail_type, deserializer)
                .map(MaybeTyped::Typed)
        } else {
            self.second
                .decode_or_keep(source, detail_type, deserializer)
        }
    }
}

/// Every AWS detail type this build of `bridgecraft-events` generates, dispatched on `source`
/// and `detail-type` into the crate-wide [`Detail`](bridgecraft_events::Detail) enum.
#[derive(Clone, Copy, Debug, Default)]
pub struct Aws;

impl<D: From<bridgecraft_events::Detail>> DetailFactory<D> for Aws {
    fn knows(&self, source: &str, detail_type: &str) -> bool {
        <bridgecraft_events::Detail as DetailSet>::contains(source, detail_type)
    }

    fn decode<'de, De: Deserializer<'de>>(
        &self,
        source: &str,
        detail_type: &str,
        deserializer: De,
    ) -> Result<D, De::Error> {
        bridgecraft_events::Detail::deserialize_detail(source, detail_type, deserializer)
            .map(D::from)
    }

    fn decode_or_keep<'de, De: Deserializer<'de>>(
        &self,
        source: &str,
        detail_type: &str,
        deserializer: De,
    ) -> Result<MaybeTyped<D>, De::Error> {
        known::<bridgecraft_events::Detail, D, De>(source, detail_type, deserializer)
    }
}

/// Declares an enum of detail types to decode into, one variant per type or set of types, with
/// the `From` conversions that [`Known`] needs, `TryFrom` conversions back to each variant's type
/// (the enum itself as the error, to try another), and a `Serialize` that writes the inner
/// detail.
///
/// A variant holding a set of types (a generated `Detail` enum) can list, after `=>`, the types
/// of the set that convert out of it with `TryFrom`: each then converts out of this enum too,
/// so that a router's typed routes take them from it (`Orders(events::Detail) => [OrderPlaced,
/// OrderShipped]`).
///
/// ```
/// use bridgecraft_events::EventDetail;
/// use bridgecraft_factory::{Aws, Chain, DetailFactory, EventFactory, Factory, Known, Decoded};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Debug, Deserialize, Serialize)]
/// struct OrderPlaced {
///     order_id: String,
/// }
///
/// impl EventDetail for OrderPlaced {
///     const SOURCE: &'static str = "com.example.orders";
///     const DETAIL_TYPE: &'static str = "Order Placed";
/// }
///
/// bridgecraft_factory::detail_enum! {
///     /// Everything this worker handles.
///     #[derive(Debug)]
///     pub enum AppDetail {
///         Order(OrderPlaced),
///         Aws(bridgecraft_events::Detail),
///     }
/// }
///
/// let factory = Factory::<AppDetail, _>::new(Known::<OrderPlaced>::new().or(Aws));
/// let json = r#"{"version":"0","id":"1","detail-type":"Order Placed","source":"com.example.orders",
///     "account":"123456789012","time":"2024-01-01T00:00:00Z","region":"eu-west-1",
///     "resources":[],"detail":{"order_id":"o-1"}}"#;
/// match factory.decode_event(json)? {
///     Decoded::Typed(event) => match event.detail {
///         AppDetail::Order(order) => assert_eq!(order.order_id, "o-1"),
///         AppDetail::Aws(_) => unreachable!(),
///     },
///     Decoded::Unknown(_) => unreachable!(),
/// }
/// # Ok::<(), bridgecraft_factory::DecodeError>(())
/// ```
#[macro_export]
macro_rules! detail_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident($ty:ty) $(=> [$($inner:ty),* $(,)?])?, )*
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $( $(#[$variant_meta])* $variant($ty), )*
        }

        $($($(
            impl ::std::convert::TryFrom<$name> for $inner {
                type Error = $name;

                fn try_from(detail: $name) -> ::std::result::Result<Self, $name> {
                    #[allow(unreachable_patterns)]
                    match detail {
                        $name::$variant(set) => <$inner as ::std::convert::TryFrom<$ty>>::try_from(set)
                            .map_err($name::$variant),
                        other => ::std::result::Result::Err(other),
                    }
                }
            }
        )*)?)*

        $(
            impl ::std::convert::From<$ty> for $name {
                fn from(detail: $ty) -> Self {
                    Self::$variant(detail)
                }
            }

            impl ::std::convert::TryFrom<$name> for $ty {
                type Error = $name;

                fn try_from(detail: $name) -> ::std::result::Result<Self, $name> {
                    #[allow(unreachable_patterns)]
                    match detail {
                        $name::$variant(detail) => ::std::result::Result::Ok(detail),
                        other => ::std::result::Result::Err(other),
                    }
                }
            }
        )*

        impl $crate::__private::Serialize for $name {
            fn serialize<S: $crate::__private::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                match self {
                    $( Self::$variant(detail) => $crate::__private::Serialize::serialize(detail, serializer), )*
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Chain;
    use bridgecraft_events::EventDetail;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct Ping {
        n: u32,
    }
    impl EventDetail for Ping {
        const SOURCE: &'static str = "test";
        const DETAIL_TYPE: &'static str = "Ping";
    }

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct Pong {
        n: u32,
    }
    impl EventDetail for Pong {
        const SOURCE: &'static str = "test";
        const DETAIL_TYPE: &'static str = "Pong";
    }

    crate::detail_enum! {
        #[derive(Debug, PartialEq)]
        enum Both {
            Ping(Ping),
            Pong(Pong),
        }
    }

    #[test]
    fn the_first_factory_that_knows_the_pair_decodes_it() {
        let chain = Known::<Ping>::new().or(Known::<Pong>::new());
        assert!(DetailFactory::<Both>::knows(&chain, "test", "Pong"));
        assert!(!DetailFactory::<Both>::knows(&chain, "test", "Pang"));
        let mut de = serde_json::Deserializer::from_str(r#"{"n":2}"#);
        let detail: Both = chain.decode("test", "Pong", &mut de).unwrap();
        assert_eq!(detail, Both::Pong(Pong { n: 2 }));
        assert_eq!(serde_json::to_string(&detail).unwrap(), r#"{"n":2}"#);
    }

    /// A set of two types, as a generated source's `Detail` is.
    #[derive(Debug, PartialEq, Serialize)]
    #[serde(untagged)]
    enum Set {
        Ping(Ping),
        Pong(Pong),
    }

    impl TryFrom<Set> for Ping {
        type Error = Set;
        fn try_from(set: Set) -> Result<Ping, Set> {
            match set {
                Set::Ping(ping) => Ok(ping),
                other => Err(other),
            }
        }
    }

    crate::detail_enum! {
        #[derive(Debug, PartialEq)]
        enum App {
            Set(Set) => [Ping],
            Other(Pong),
        }
    }

    #[test]
    fn a_variant_holding_a_set_gives_back_the_types_it_lists() {
        let ping = || Ping { n: 1 };
        assert_eq!(Ping::try_from(App::Set(Set::Ping(ping()))), Ok(ping()));
        let pong = || Pong { n: 2 };
        assert_eq!(
            Ping::try_from(App::Set(Set::Pong(pong()))),
            Err(App::Set(Set::Pong(pong())))
        );
        assert_eq!(Ping::try_from(App::Other(pong())), Err(App::Other(pong())));
    }

    #[test]
    fn an_enum_of_details_gives_back_each_variants_type() {
        assert_eq!(Pong::try_from(Both::Pong(Pong { n: 1 })), Ok(Pong { n: 1 }));
        assert_eq!(
            Ping::try_from(Both::Pong(Pong { n: 1 })),
            Err(Both::Pong(Pong { n: 1 }))
        );
    }
}
