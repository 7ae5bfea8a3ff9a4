//! Amazon Resource Names, read in place.

use std::fmt;

/// An Amazon Resource Name: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`, its parts borrowed
/// from the text it was read from.
///
/// The first five `:` separate the parts; the resource keeps every later `:` and `/`, so
/// `arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f:*` has the resource
/// `log-group:/aws/lambda/f:*`. Region and account may be empty, as in S3 buckets and objects
/// (`arn:aws:s3:::bucket/key`), IAM (`arn:aws:iam::123456789012:role/path/name`) and Route 53
/// (`arn:aws:route53:::hostedzone/Z1`). Writing an ARN back gives the text it was read from.
///
/// ```
/// use bridgecraft_events::Arn;
///
/// let arn = Arn::parse("arn:aws:ecs:us-west-2:111122223333:task/FargateCluster/c13b4cb4")?;
/// assert_eq!(arn.service(), "ecs");
/// assert_eq!(arn.region(), Some("us-west-2"));
/// assert_eq!(arn.account(), Some("111122223333"));
/// assert_eq!(arn.resource_type(), Some("task"));
/// assert_eq!(arn.resource_id(), "FargateCluster/c13b4cb4");
/// assert_eq!(arn.to_string(), "arn:aws:ecs:us-west-2:111122223333:task/FargateCluster/c13b4cb4");
///
/// let error = Arn::parse("arn:aws:s3").unwrap_err();
/// assert_eq!(error.to_string(), "not an ARN: the region is missing after byte 10 (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)");
/// # Ok::<(), bridgecraft_events::ArnError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Arn<'a> {
    partition: &'a str,
    service: &'a str,
    region: &'a str,
    account: &'a str,
    resource: &'a str,
}

/// A part of an ARN, as errors name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ArnPart {
    Partition,
    Service,
    Region,
    Account,
    Resource,
}

impl ArnPart {
    const ALL: [ArnPart; 5] = [
        ArnPart::Partition,
        ArnPart::Service,
        ArnPart::Region,
        ArnPart::Account,
        ArnPart::Resource,
    ];

    fn name(self) -> &'static str {
        match self {
            ArnPart::Partition => "partition",
            ArnPart::Service => "service",
            ArnPart::Region => "region",
            ArnPart::Account => "account",
            ArnPart::Resource => "resource",
        }
    }
}

impl fmt::Display for ArnPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What is wrong with a text that is not an ARN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ArnErrorKind {
    /// It does not start with `arn:`.
    NoPrefix,
    /// It ends before this part.
    Missing(ArnPart),
    /// This part, which every ARN has, is empty.
    Empty(ArnPart),
    /// This part holds a character no ARN has there: white space or a control character (and
    /// only control characters in the resource, where S3 keys may have spaces).
    Character(ArnPart, char),
}

/// Why a text is not an ARN, and where: the byte offset in the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArnError {
    kind: ArnErrorKind,
    offset: usize,
}

impl ArnError {
    /// What is wrong.
    pub fn kind(&self) -> ArnErrorKind {
        self.kind
    }

    /// The byte offset in the text where it is wrong.
    pub fn offset(&self) -> usize {
        self.offset
    }
}

impl fmt::Display for ArnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let offset = self.offset;
        match self.kind {
            ArnErrorKind::NoPrefix => write!(f, "not an ARN: it must start with `arn:`"),
            ArnErrorKind::Missing(part) => write!(
                f,
                "not an ARN: the {part} is missing after byte {offset} \
                 (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)"
            ),
            ArnErrorKind::Empty(part) => {
                write!(f, "not an ARN: the {part} at byte {offset} is empty")
            }
            ArnErrorKind::Character(part, character) => write!(
                f,
                "not an ARN: the {part} has {character:?} at byte {offset}"
            ),
        }
    }
}

impl std::error::Error for ArnError {}

impl<'a> Arn<'a> {
    /// Reads an ARN; the error says which part is wrong and at which byte.
    pub fn parse(text: &'a str) -> Result<Self, ArnError> {
        let Some(rest) = text.strip_prefix("arn:") else {
            return Err(ArnError {
                kind: ArnErrorKind::NoPrefix,
                offset: 0,
            });
        };
        let mut parts = [""; 5];
        let mut start = "arn:".len();
        let mut remaining = rest;
        for (index, part) in ArnPart::ALL.into_iter().enumerate() {
            let value = if part == ArnPart::Resource {
                remaining
            } else {
                let Some((value, after)) = remaining.split_once(':') else {
                    return Err(ArnError {
                        kind: ArnErrorKind::Missing(ArnPart::ALL[index + 1]),
                        offset: text.len(),
                    });
                };
                remaining = after;
                value
            };
            check(part, value, start)?;
            parts[index] = value;
            start += value.len() + 1;
        }
        Ok(Self::from_parts(parts))
    }

    fn from_parts([partition, service, region, account, resource]: [&'a str; 5]) -> Self {
        Self {
            partition,
            service,
            region,
            account,
            resource,
        }
    }

    /// An ARN of these parts; the error names the first part that cannot be in one (a `:`
    /// before the resource, white space, an empty partition, service or resource). Its offset
    /// is where the part would stand in the written ARN.
    pub fn new(
        partition: &'a str,
        service: &'a str,
        region: &'a str,
        account: &'a str,
        resource: &'a str,
    ) -> Result<Self, ArnError> {
        let parts = [partition, service, region, account, resource];
        let mut start = "arn:".len();
        for (part, value) in ArnPart::ALL.into_iter().zip(parts) {
            if part != ArnPart::Resource
                && let Some(position) = value.find(':')
            {
                return Err(ArnError {
                    kind: ArnErrorKind::Character(part, ':'),
                    offset: start + position,
                });
            }
            check(part, value, start)?;
            start += value.len() + 1;
        }
        Ok(Self::from_parts(parts))
    }

    /// The partition: `aws`, `aws-cn`, `aws-us-gov`...
    pub fn partition(&self) -> &'a str {
        self.partition
    }

    /// The service's namespace, such as `ec2` or `s3`.
    pub fn service(&self) -> &'a str {
        self.service
    }

    /// The region, unless the ARN has none (S3 buckets, IAM, Route 53...).
    pub fn region(&self) -> Option<&'a str> {
        non_empty(self.region)
    }

    /// The account, unless the ARN has none (S3 buckets, Route 53...).
    pub fn account(&self) -> Option<&'a str> {
        non_empty(self.account)
    }

    /// Everything after the account: `instance/i-1234`, `function:name:alias`, `bucket/key`.
    pub fn resource(&self) -> &'a str {
        self.resource
    }

    /// The resource's type, the text before the first `/` or `:` of the resource (`instance`,
    /// `log-group`, `role`), when the resource has one. S3 buckets and objects, SNS topics
    /// and subscriptions, SQS queues, and resources that start with a separator have none.
    pub fn resource_type(&self) -> Option<&'a str> {
        self.split_resource().0
    }

    /// The resource without its type: `i-1234` of `instance/i-1234`, `path/name` of
    /// `role/path/name`, the whole resource when it has no type.
    pub fn resource_id(&self) -> &'a str {
        self.split_resource().1
    }

    fn split_resource(&self) -> (Option<&'a str>, &'a str) {
        let untyped = matches!(self.service, "sns" | "sqs")
            || (self.service == "s3" && self.account.is_empty());
        match self.resource.find(['/', ':']) {
            Some(position) if position > 0 && !untyped => (
                Some(&self.resource[..position]),
                &self.resource[position + 1..],
            ),
            _ => (None, self.resource),
        }
    }
}

impl<'a> TryFrom<&'a str> for Arn<'a> {
    type Error = ArnError;

    fn try_from(text: &'a str) -> Result<Self, ArnError> {
        Arn::parse(text)
    }
}

impl fmt::Display for Arn<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:{}:{}:{}:{}",
            self.partition, self.service, self.region, self.account, self.resource
        )
    }
}

fn non_empty(text: &str) -> Option<&str> {
    (!text.is_empty()).then_some(text)
}

/// Checks one part's text, which starts at byte `start`.
fn check(part: ArnPart, value: &str, start: usize) -> Result<(), ArnError> {
    let required = matches!(
        part,
        ArnPart::Partition | ArnPart::Service | ArnPart::Resource
    );
    if required && value.is_empty() {
        return Err(ArnError {
            kind: ArnErrorKind::Empty(part),
            offset: start,
        });
    }
    let bad = |c: char| c.is_control() || (part != ArnPart::Resource && c.is_whitespace());
    match value.char_indices().find(|&(_, c)| bad(c)) {
        Some((position, character)) => Err(ArnError {
            kind: ArnErrorKind::Character(part, character),
            offset: start + position,
        }),
        None => Ok(()),
    }
}

/// The partition of a region: `aws-cn` for `cn-north-1`, `aws-us-gov` for `us-gov-west-1`,
/// the isolated partitions for theirs, and `aws` for every other.
pub fn partition_of_region(region: &str) -> &'static str {
    const PARTITIONS: [(&str, &str); 6] = [
        ("cn-", "aws-cn"),
        ("us-gov-", "aws-us-gov"),
        ("us-iso-", "aws-iso"),
        ("us-isob-", "aws-iso-b"),
        ("eu-isoe-", "aws-iso-e"),
        ("us-isof-", "aws-iso-f"),
    ];
    PARTITIONS
        .iter()
        .find(|(prefix, _)| region.starts_with(prefix))
        .map_or("aws", |(_, partition)| partition)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parts(text: &str) -> (&str, &str, Option<&str>, Option<&str>, &str) {
        let arn = Arn::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(arn.to_string(), text);
        (
            arn.partition(),
            arn.service(),
            arn.region(),
            arn.account(),
            arn.resource(),
        )
    }

    #[test]
    fn every_shape_reads_and_writes_back() {
        assert_eq!(
            parts("arn:aws:sns:us-east-1:123456789012:my-topic"),
            (
                "aws",
                "sns",
                Some("us-east-1"),
                Some("123456789012"),
                "my-topic"
            )
        );
        // S3: no region, no account, for buckets and objects alike.
        assert_eq!(
            parts("arn:aws:s3:::bucket/photos/2024/cat.jpg"),
            ("aws", "s3", None, None, "bucket/photos/2024/cat.jpg")
        );
        // IAM: no region; a path inside the resource.
        assert_eq!(
            parts("arn:aws:iam::123456789012:role/service-role/Reader"),
            (
                "aws",
                "iam",
                None,
                Some("123456789012"),
                "role/service-role/Reader"
            )
        );
        assert_eq!(
            parts("arn:aws:route53:::hostedzone/Z148QEXAMPLE8V"),
            ("aws", "route53", None, None, "hostedzone/Z148QEXAMPLE8V")
        );
        // `:` separators, kept in the resource.
        assert_eq!(
            parts("arn:aws-cn:lambda:cn-north-1:123456789012:function:f:$LATEST"),
            (
                "aws-cn",
                "lambda",
                Some("cn-north-1"),
                Some("123456789012"),
                "function:f:$LATEST"
            )
        );
        assert_eq!(
            parts("arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f:*").4,
            "log-group:/aws/lambda/f:*"
        );
        // AWS-owned resources have `aws` for an account; a region but no account exists too.
        assert_eq!(
            parts("arn:aws:iam::aws:policy/AdministratorAccess").3,
            Some("aws")
        );
        assert_eq!(
            parts("arn:aws:apigateway:us-east-1::/restapis/a1b2c3").4,
            "/restapis/a1b2c3"
        );
    }

    #[test]
    fn resource_types_and_ids() {
        let split = |text| {
            let arn = Arn::parse(text).unwrap();
            (arn.resource_type(), arn.resource_id())
        };
        assert_eq!(
            split("arn:aws:ec2:us-east-1:123456789012:instance/i-1"),
            (Some("instance"), "i-1")
        );
        assert_eq!(
            split("arn:aws:iam::123456789012:role/a/b/Reader"),
            (Some("role"), "a/b/Reader")
        );
        assert_eq!(
            split("arn:aws:states:us-east-1:123456789012:execution:machine:run-1"),
            (Some("execution"), "machine:run-1")
        );
        assert_eq!(split("arn:aws:s3:::bucket/key"), (None, "bucket/key"));
        assert_eq!(
            split("arn:aws:s3:us-west-2:123456789012:accesspoint/ap"),
            (Some("accesspoint"), "ap")
        );
        assert_eq!(
            split("arn:aws:sns:us-east-1:123456789012:topic:1f2e"),
            (None, "topic:1f2e")
        );
        assert_eq!(split("arn:aws:sqs:us-east-1:123456789012:q"), (None, "q"));
        assert_eq!(
            split("arn:aws:apigateway:us-east-1::/restapis/a"),
            (None, "/restapis/a")
        );
    }

    #[test]
    fn errors_name_the_part_and_the_byte() {
        let cases = [
            ("urn:aws:s3:::b", ArnErrorKind::NoPrefix, 0),
            ("arn:aws:s3", ArnErrorKind::Missing(ArnPart::Region), 10),
            (
                "arn:aws:sqs:us-east-1:123",
                ArnErrorKind::Missing(ArnPart::Resource),
                25,
            ),
            ("arn::s3:::b", ArnErrorKind::Empty(ArnPart::Partition), 4),
            (
                "arn:aws::us-east-1:1:r",
                ArnErrorKind::Empty(ArnPart::Service),
                8,
            ),
            ("arn:aws:s3:::", ArnErrorKind::Empty(ArnPart::Resource), 13),
            (
                "arn:aws:ec2:us east-1:1:r",
                ArnErrorKind::Character(ArnPart::Region, ' '),
                14,
            ),
            (
                "arn:aws:s3:::bucket/key\n",
                ArnErrorKind::Character(ArnPart::Resource, '\n'),
                23,
            ),
        ];
        for (text, kind, offset) in cases {
            let error = Arn::parse(text).unwrap_err();
            assert_eq!((error.kind(), error.offset()), (kind, offset), "{text:?}");
        }
        assert_eq!(
            Arn::parse("arn:aws:s3:::b\tc").unwrap_err().to_string(),
            "not an ARN: the resource has '\\t' at byte 14"
        );
        assert_eq!(
            Arn::parse("arn:aws::r:a:x").unwrap_err().to_string(),
            "not an ARN: the service at byte 8 is empty"
        );
    }

    #[test]
    fn new_rejects_what_would_not_read_back() {
        let arn = Arn::new("aws", "s3", "", "", "bucket/key").unwrap();
        assert_eq!(arn.to_string(), "arn:aws:s3:::bucket/key");
        let error = Arn::new("aws", "ec2", "us-east-1", "12:3", "instance/i").unwrap_err();
        assert_eq!(
            (error.kind(), error.offset()),
            (ArnErrorKind::Character(ArnPart::Account, ':'), 24)
        );
        assert_eq!(
            Arn::new("aws", "", "", "", "x").unwrap_err().kind(),
            ArnErrorKind::Empty(ArnPart::Service)
        );
    }

    #[test]
    fn partitions_follow_regions() {
        assert_eq!(partition_of_region("eu-west-1"), "aws");
        assert_eq!(partition_of_region("cn-northwest-1"), "aws-cn");
        assert_eq!(partition_of_region("us-gov-east-1"), "aws-us-gov");
        assert_eq!(partition_of_region("us-isob-east-1"), "aws-iso-b");
    }

    /// A part before the resource: what real ARNs and placeholders hold, never a `:`.
    fn head_part() -> impl Strategy<Value = String> {
        "[a-z0-9<>_-]{0,12}"
    }

    proptest! {
        #[test]
        fn written_parts_read_back(
            partition in "[a-z][a-z-]{0,9}",
            service in "[a-z0-9][a-z0-9-]{0,11}",
            region in head_part(),
            account in head_part(),
            resource in "[^\\p{Cc}]{1,40}",
        ) {
            let arn = Arn::new(&partition, &service, &region, &account, &resource).unwrap();
            let text = arn.to_string();
            let read = Arn::parse(&text).unwrap();
            prop_assert_eq!(read, arn);
            prop_assert_eq!(read.to_string(), text);
        }

        #[test]
        fn any_text_that_reads_writes_back_the_same(text in "(arn:)?[a-z0-9:/ *$-]{0,30}") {
            if let Ok(arn) = Arn::parse(&text) {
                prop_assert_eq!(arn.to_string(), text);
            }
        }
    }
}
