//! What strings say about themselves: timestamps, and object keys that are data.

use std::net::IpAddr;

use chrono::DateTime;

/// Whether `text` is an RFC 3339 timestamp, such as `2024-01-01T12:00:00.000Z`.
pub fn is_date_time(text: &str) -> bool {
    // Most strings are not: look at the shape before asking the parser.
    let bytes = text.as_bytes();
    bytes.len() >= 20
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && DateTime::parse_from_rfc3339(text).is_ok()
}

/// Whether an object key is data rather than the name of a field: an id, an ARN, a date, a
/// number, an address. An object all of whose keys are data is a map.
pub fn is_data_key(key: &str) -> bool {
    key.starts_with("arn:")
        || key.contains('/')
        || is_number(key)
        || is_uuid(key)
        || starts_with_date(key)
        || is_resource_id(key)
        || is_hex_id(key)
        || is_region(key)
        || is_email(key)
        || key.parse::<IpAddr>().is_ok()
}

fn is_number(key: &str) -> bool {
    let digits = key.strip_prefix('-').unwrap_or(key);
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && digits.bytes().any(|b| b.is_ascii_digit())
}

/// `123e4567-e89b-12d3-a456-426614174000`.
fn is_uuid(key: &str) -> bool {
    let groups: Vec<&str> = key.split('-').collect();
    groups.iter().map(|group| group.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|group| group.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `2024-01-31`, with or without a time after it.
fn starts_with_date(key: &str) -> bool {
    let bytes = key.as_bytes();
    bytes.len() >= 10
        && bytes[..10].iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
}

/// An AWS resource id: a short lowercase prefix and hex digits, `i-0abc12345def67890`,
/// `sg-0123abcd`, `vol-049df61146c4d7901`.
fn is_resource_id(key: &str) -> bool {
    let Some((prefix, id)) = key.rsplit_once('-') else {
        return false;
    };
    !prefix.is_empty()
        && prefix.len() <= 16
        && prefix
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && id.len() >= 8
        && id
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        && id.bytes().any(|b| b.is_ascii_digit())
}

/// A hash or an opaque id: 16 hex digits or more.
fn is_hex_id(key: &str) -> bool {
    key.len() >= 16
        && key.bytes().all(|b| b.is_ascii_hexdigit())
        && key.bytes().any(|b| b.is_ascii_digit())
}

/// `us-east-1`, `eu-west-3`, `us-gov-west-1`.
fn is_region(key: &str) -> bool {
    let parts: Vec<&str> = key.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

fn is_email(key: &str) -> bool {
    match key.split_once('@') {
        Some((user, domain)) => !user.is_empty() && domain.contains('.') && !domain.contains('@'),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_arns_dates_and_addresses_are_data() {
        for key in [
            "arn:aws:s3:::bucket",
            "i-0123456789abcdef0",
            "sg-0a1b2c3d",
            "123e4567-e89b-12d3-a456-426614174000",
            "2024-01-31",
            "2024-01-31T10:00:00Z",
            "123456789012",
            "10.0.0.1",
            "2001:db8::1",
            "us-east-1",
            "us-gov-west-1",
            "ops@example.com",
            "d41d8cd98f00b204e9800998ecf8427e",
            "photos/2024/cat.jpg",
        ] {
            assert!(is_data_key(key), "{key}");
        }
    }

    #[test]
    fn field_names_are_not_data() {
        for key in [
            "instance-id",
            "state",
            "eventTime",
            "detail-type",
            "x-amz-id-2",
            "readOnly",
            "Type",
            "userIdentity",
            "aws:SourceArn",
            "sub-field-name",
            "deadbeef",
            "",
        ] {
            assert!(!is_data_key(key), "{key}");
        }
    }

    #[test]
    fn timestamps_are_rfc_3339() {
        assert!(is_date_time("2024-01-01T00:00:00Z"));
        assert!(is_date_time("2024-01-01T00:00:00.123456+05:30"));
        assert!(!is_date_time("2024-01-01"));
        assert!(!is_date_time("2019-12-02T19:00:00.000+0000"));
        assert!(!is_date_time("2022-04-31T17:00:00Z"), "April has 30 days");
        assert!(!is_date_time("date"));
    }
}
