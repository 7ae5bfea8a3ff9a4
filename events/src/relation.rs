//! The AWS resources an event is about, and where they live.

use std::borrow::Cow;

use serde_json::Value;

use crate::arn::{Arn, partition_of_region};

/// An AWS resource an event's detail names.
///
/// Generated types give them from what AWS's registry says identifies each event's resource
/// (see [`EventDetail::related`](crate::EventDetail::related)); users' own types build them
/// with [`ResourceRef::new`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ResourceRef<'a> {
    /// The resource's CloudFormation type, such as `AWS::S3::Bucket`.
    pub cloudformation_type: &'static str,
    /// The value that identifies it in the event: a name, an id or an ARN.
    pub identifier: &'a str,
    /// The type's ARN template, such as
    /// `arn:${Partition}:athena:${Region}:${Account}:workgroup/${WorkGroupName}`, when the
    /// identifier is the one value it needs besides partition, region and account: the
    /// resource's ARN can then be built.
    pub arn_template: Option<&'static str>,
}

impl<'a> ResourceRef<'a> {
    /// A resource of `cloudformation_type` that `identifier` names.
    pub const fn new(cloudformation_type: &'static str, identifier: &'a str) -> Self {
        Self {
            cloudformation_type,
            identifier,
            arn_template: None,
        }
    }

    /// The same resource, whose ARN `template` makes from its identifier.
    pub const fn with_arn_template(mut self, template: &'static str) -> Self {
        self.arn_template = Some(template);
        self
    }

    /// The ARN the template makes of the identifier, in `region` and `account`: none without
    /// a template, when the template needs a region or account that is not known, or when the
    /// identifier is empty or has a `:`, white space or a control character (it is then not
    /// the plain name or id the template wants).
    pub fn build_arn(&self, region: Option<&str>, account: Option<&str>) -> Option<String> {
        let template = self.arn_template?;
        let plain = |c: char| c != ':' && !c.is_whitespace() && !c.is_control();
        if self.identifier.is_empty() || !self.identifier.chars().all(plain) {
            return None;
        }
        let mut arn = String::with_capacity(template.len() + self.identifier.len());
        let mut rest = template;
        while let Some(start) = rest.find("${") {
            arn.push_str(&rest[..start]);
            let end = rest[start..].find('}')? + start;
            arn.push_str(match &rest[start + 2..end] {
                "Partition" => partition_of_region(region.unwrap_or_default()),
                "Region" => region?,
                "Account" => account?,
                _ => self.identifier,
            });
            rest = &rest[end + 1..];
        }
        arn.push_str(rest);
        Some(arn)
    }
}

/// An AWS resource an event is about, with where it lives: what [`Event::relations`] gives.
///
/// [`Event::relations`]: crate::Event::relations
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Relation<'a> {
    /// The resource's CloudFormation type; none for an ARN of the envelope's `resources` that
    /// no type's ARN template matches (such as an ECS task).
    pub cloudformation_type: Option<&'static str>,
    /// The value that identifies it in the event: a name, an id or an ARN.
    pub identifier: &'a str,
    /// The partition, from the ARN, else from the region.
    pub partition: &'a str,
    /// The region: the ARN's, or the event's when the identifier is no ARN or the ARN has none
    /// (S3 buckets, IAM and Route 53 are reached from the event's region).
    pub region: Option<&'a str>,
    /// The account: the ARN's, or the event's when the identifier is no ARN or the ARN has
    /// none.
    pub account: Option<&'a str>,
    /// The resource's ARN: the identifier when it is one, else built from the type's ARN
    /// template when it has one that the identifier fills.
    pub arn: Option<Cow<'a, str>>,
}

impl<'a> Relation<'a> {
    /// A relation of `reference` in an event from `region` and `account`.
    pub(crate) fn placed(
        reference: ResourceRef<'a>,
        region: Option<&'a str>,
        account: Option<&'a str>,
    ) -> Self {
        if let Ok(arn) = Arn::parse(reference.identifier) {
            return Self::of_arn(
                Some(reference.cloudformation_type),
                reference.identifier,
                arn,
                (region, account),
            );
        }
        Self {
            cloudformation_type: Some(reference.cloudformation_type),
            identifier: reference.identifier,
            partition: partition_of_region(region.unwrap_or_default()),
            region,
            account,
            arn: reference.build_arn(region, account).map(Cow::Owned),
        }
    }

    /// The relation `text`, read as `arn`, names in an event from `region` and `account`.
    pub(crate) fn of_arn(
        cloudformation_type: Option<&'static str>,
        text: &'a str,
        arn: Arn<'a>,
        (region, account): (Option<&'a str>, Option<&'a str>),
    ) -> Self {
        Self {
            cloudformation_type,
            identifier: text,
            partition: arn.partition(),
            region: arn.region().or(region),
            account: arn.account().or(account),
            arn: Some(Cow::Borrowed(text)),
        }
    }

    /// The ARN, read.
    pub fn parsed_arn(&self) -> Option<Arn<'_>> {
        self.arn.as_deref().and_then(|arn| Arn::parse(arn).ok())
    }
}

impl<'a> Arn<'a> {
    /// The CloudFormation type whose ARN template this ARN matches, from AWS's registry:
    /// `AWS::EC2::Instance` for `arn:aws:ec2:us-east-1:123456789012:instance/i-1`, none when
    /// no template or several types' templates match it equally well.
    ///
    /// A template's values match text without `/` or `:`; when no template matches so, the
    /// last value may hold the rest of the ARN (`role/path/name`, `log-group:/aws/x:*`,
    /// `function:name:alias`) unless it is the whole resource (an S3 object is not a bucket).
    pub fn cloudformation_type(&self) -> Option<&'static str> {
        let templates = crate::generated::arn_templates::ARN_TEMPLATES;
        let start = templates.partition_point(|(service, ..)| *service < self.service());
        let candidates = templates[start..]
            .iter()
            .take_while(|(service, ..)| *service == self.service());
        for lenient in [false, true] {
            let mut best: Option<(usize, &'static str)> = None;
            let mut tied = false;
            for (_, cloudformation_type, template) in candidates.clone() {
                let Some(score) = template_match(template, self, lenient) else {
                    continue;
                };
                match best {
                    Some((top, kind)) if score == top && kind != *cloudformation_type => {
                        tied = true
                    }
                    Some((top, _)) if score <= top => {}
                    _ => {
                        best = Some((score, cloudformation_type));
                        tied = false;
                    }
                }
            }
            if let Some((_, cloudformation_type)) = best {
                return (!tied).then_some(cloudformation_type);
            }
        }
        None
    }
}

/// How much literal text of `template` the ARN matches, when it matches.
fn template_match(template: &str, arn: &Arn<'_>, lenient: bool) -> Option<usize> {
    let template = Arn::parse(template).ok()?;
    let part = |pattern: &str, value: Option<&str>| match (pattern.starts_with("${"), value) {
        (true, value) => value.is_some(),
        (false, value) => pattern == value.unwrap_or_default(),
    };
    if !(part(template.partition(), Some(arn.partition()))
        && part(template.region().unwrap_or_default(), arn.region())
        && part(template.account().unwrap_or_default(), arn.account()))
    {
        return None;
    }
    let mut literal = 0;
    let mut pattern = template.resource();
    let mut text = arn.resource();
    while !pattern.is_empty() {
        match pattern.strip_prefix("${") {
            Some(variable) => {
                let end = variable.find('}')?;
                pattern = &variable[end + 1..];
                let takes_rest = lenient && pattern.is_empty() && literal > 0;
                let length = match takes_rest {
                    true => text.len(),
                    false => text.find(['/', ':']).unwrap_or(text.len()),
                };
                if length == 0 {
                    return None;
                }
                text = &text[length..];
            }
            None => {
                let length = pattern.find("${").unwrap_or(pattern.len());
                text = text.strip_prefix(&pattern[..length])?;
                pattern = &pattern[length..];
                literal += length;
            }
        }
    }
    text.is_empty().then_some(literal)
}

/// `related`, each once, then the envelope's `resources` that none of them is, each placed in
/// an event from `region` and `account`.
pub(crate) fn relations<'a>(
    related: Vec<ResourceRef<'a>>,
    resources: &'a [String],
    region: Option<&'a str>,
    account: Option<&'a str>,
) -> Vec<Relation<'a>> {
    let mut relations: Vec<Relation<'a>> = Vec::with_capacity(related.len() + resources.len());
    for reference in related {
        let seen = relations.iter().any(|relation| {
            relation.identifier == reference.identifier
                && relation.cloudformation_type == Some(reference.cloudformation_type)
        });
        if !seen {
            relations.push(Relation::placed(reference, region, account));
        }
    }
    for resource in resources {
        let seen = relations.iter().any(|relation| {
            relation.identifier == resource || relation.arn.as_deref() == Some(resource.as_str())
        });
        if seen {
            continue;
        }
        relations.push(match Arn::parse(resource) {
            Ok(arn) => {
                Relation::of_arn(arn.cloudformation_type(), resource, arn, (region, account))
            }
            // Not an ARN, though `resources` should hold ARNs: still what the event names.
            Err(_) => Relation {
                cloudformation_type: None,
                identifier: resource,
                partition: partition_of_region(region.unwrap_or_default()),
                region,
                account,
                arn: None,
            },
        });
    }
    relations
}

/// Appends a relation of `reference`'s type for every string `key` holds anywhere in `value`
/// (in objects at any depth, and each string of a list), or for the strings `value` itself is
/// or lists when `key` is `None`: for generated types whose field holding the identifier lies
/// inside untyped JSON, such as a CloudTrail record's `requestParameters`, whose shape changes
/// with every API.
#[doc(hidden)]
pub fn related_in_json<'a>(
    related: &mut Vec<ResourceRef<'a>>,
    reference: ResourceRef<'static>,
    value: &'a Value,
    key: Option<&str>,
) {
    match (value, key) {
        (Value::String(identifier), None) => related.push(ResourceRef {
            identifier,
            ..reference
        }),
        (Value::Array(items), _) => {
            for item in items {
                related_in_json(related, reference, item, key);
            }
        }
        (Value::Object(object), Some(key)) => {
            for (name, value) in object {
                let below = if name == key { None } else { Some(key) };
                related_in_json(related, reference, value, below);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn type_of(arn: &str) -> Option<&'static str> {
        Arn::parse(arn).unwrap().cloudformation_type()
    }

    #[test]
    fn arns_find_their_types_in_the_templates() {
        assert_eq!(
            type_of("arn:aws:ec2:us-east-1:123456789012:instance/i-1"),
            Some("AWS::EC2::Instance")
        );
        assert_eq!(type_of("arn:aws:s3:::bucket"), Some("AWS::S3::Bucket"));
        assert_eq!(type_of("arn:aws:s3:::bucket/key"), None, "an object");
        assert_eq!(
            type_of("arn:aws:sqs:eu-west-1:123456789012:orders"),
            Some("AWS::SQS::Queue")
        );
        assert_eq!(
            type_of("arn:aws:sns:eu-west-1:123456789012:alerts:0f1e2d"),
            None,
            "a subscription is no topic"
        );
        assert_eq!(
            type_of("arn:aws:iam::123456789012:role/service-role/Reader"),
            Some("AWS::IAM::Role")
        );
        assert_eq!(
            type_of("arn:aws:route53:::hostedzone/Z1"),
            Some("AWS::Route53::HostedZone")
        );
        assert_eq!(
            type_of("arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST"),
            Some("AWS::Lambda::Function")
        );
        assert_eq!(
            type_of("arn:aws:ecs:us-west-2:111122223333:cluster/FargateCluster"),
            Some("AWS::ECS::Cluster")
        );
        assert_eq!(
            type_of("arn:aws:ecs:us-west-2:111122223333:task/FargateCluster/c13b"),
            None,
            "no template for tasks"
        );
        // Region or account where the template has none: no match.
        assert_eq!(type_of("arn:aws:s3:us-east-1:123456789012:bucket"), None);
    }

    #[test]
    fn equally_good_templates_of_two_types_give_none() {
        // AWS::IAM::ManagedPolicy and AWS::IAM::Policy share their template.
        assert_eq!(type_of("arn:aws:iam::123456789012:policy/ReadAll"), None);
    }

    #[test]
    fn templates_build_arns_from_names() {
        let workgroup = ResourceRef::new("AWS::Athena::WorkGroup", "primary").with_arn_template(
            "arn:${Partition}:athena:${Region}:${Account}:workgroup/${WorkGroupName}",
        );
        assert_eq!(
            workgroup
                .build_arn(Some("cn-north-1"), Some("123456789012"))
                .as_deref(),
            Some("arn:aws-cn:athena:cn-north-1:123456789012:workgroup/primary")
        );
        assert_eq!(workgroup.build_arn(None, Some("123456789012")), None);
        let bucket = ResourceRef::new("AWS::S3::Bucket", "b")
            .with_arn_template("arn:${Partition}:s3:::${BucketName}");
        assert_eq!(
            bucket.build_arn(None, None).as_deref(),
            Some("arn:aws:s3:::b")
        );
        let uri = ResourceRef::new("AWS::SageMaker::Image", "r.ecr/img:1").with_arn_template(
            "arn:${Partition}:sagemaker:${Region}:${Account}:image/${ImageName}",
        );
        assert_eq!(uri.build_arn(Some("us-east-1"), Some("1")), None);
        let spaced = ResourceRef::new("AWS::S3::Bucket", " b")
            .with_arn_template("arn:${Partition}:s3:::${BucketName}");
        assert_eq!(spaced.build_arn(None, None), None);
        assert_eq!(
            ResourceRef::new("X::Y::Z", "n").build_arn(Some("r"), Some("a")),
            None
        );
    }

    #[test]
    fn relations_take_place_from_the_arn_else_the_event() {
        let cluster = ResourceRef::new(
            "AWS::ECS::Cluster",
            "arn:aws:ecs:us-west-2:111122223333:cluster/default",
        );
        let relation = Relation::placed(cluster, Some("eu-west-1"), Some("999999999999"));
        assert_eq!(relation.region, Some("us-west-2"));
        assert_eq!(relation.account, Some("111122223333"));
        assert_eq!(relation.arn.as_deref(), Some(cluster.identifier));
        assert_eq!(relation.cloudformation_type, Some("AWS::ECS::Cluster"));

        let text = "arn:aws:s3:::b";
        let bucket = Arn::parse(text).unwrap();
        let relation = Relation::of_arn(
            bucket.cloudformation_type(),
            text,
            bucket,
            (Some("eu-west-1"), Some("999999999999")),
        );
        assert_eq!(relation.cloudformation_type, Some("AWS::S3::Bucket"));
        assert_eq!(
            (relation.region, relation.account),
            (Some("eu-west-1"), Some("999999999999"))
        );

        let group = ResourceRef::new("AWS::AutoScaling::AutoScalingGroup", "web");
        let relation = Relation::placed(group, Some("eu-west-1"), None);
        assert_eq!(
            (
                relation.identifier,
                relation.region,
                relation.account,
                relation.arn
            ),
            ("web", Some("eu-west-1"), None, None)
        );
        assert_eq!(relation.partition, "aws");
    }

    #[test]
    fn identifiers_inside_json_are_found_at_any_depth_and_in_lists() {
        let value = serde_json::json!({
            "instancesSet": {"items": [{"instanceId": "i-1"}, {"instanceId": "i-2"}, {"other": 1}]},
            "instanceId": 7,
            "group": {"instanceId": ["i-3", {"instanceId": "i-4"}]},
        });
        let mut related = Vec::new();
        let reference = ResourceRef::new("AWS::EC2::Instance", "");
        related_in_json(&mut related, reference, &value, Some("instanceId"));
        let ids: Vec<&str> = related.iter().map(|r| r.identifier).collect();
        // In key order; a key's own value is not searched for the key again.
        assert_eq!(ids, ["i-3", "i-1", "i-2"]);
        related.clear();
        related_in_json(&mut related, reference, &value["group"]["instanceId"], None);
        assert_eq!(related.len(), 1);
    }
}
