//! A small JSON reader for pattern text.
//!
//! `serde_json::Value` cannot serve here: patterns need the byte position of every node (errors
//! say where), duplicate keys in document order (AWS validates each one and the last wins), and
//! the literal text of numbers. Syntax errors use the wording of Jackson, the parser behind
//! EventBridge, for the common cases.

/// Nodes nest at most this deep; deeper input is rejected instead of risking the stack.
const MAX_DEPTH: usize = 256;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub kind: Kind,
    /// Byte offset of the first character of the node.
    pub start: usize,
    /// Byte offset just past the node.
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Null,
    Bool(bool),
    /// The number exactly as written.
    Number(String),
    String(String),
    Array(Vec<Node>),
    /// Members in document order, duplicates kept. The `usize` is the key's byte offset.
    Object(Vec<(String, usize, Node)>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub message: String,
    pub offset: usize,
}

pub(crate) fn parse(text: &str) -> Result<Node, SyntaxError> {
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        depth: 0,
    };
    reader.skip_ws();
    let node = reader.value()?;
    reader.skip_ws();
    if reader.pos < reader.bytes.len() {
        return Err(reader.unexpected("expected end-of-input"));
    }
    Ok(node)
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
}

impl Reader<'_> {
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn error(&self, message: String) -> SyntaxError {
        SyntaxError {
            message,
            offset: self.pos,
        }
    }

    /// Jackson's "Unexpected character ('x' (code 120)): <what>" or end-of-input.
    fn unexpected(&self, what: &str) -> SyntaxError {
        match self
            .text
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
        {
            Some(c) => self.error(format!(
                "Unexpected character ('{c}' (code {})): {what}",
                c as u32
            )),
            None => self.error(format!("Unexpected end-of-input: {what}")),
        }
    }

    fn value(&mut self) -> Result<Node, SyntaxError> {
        let start = self.pos;
        let kind = match self.bytes.get(self.pos) {
            Some(b'{') => self.nested(Self::object)?,
            Some(b'[') => self.nested(Self::array)?,
            Some(b'"') => Kind::String(self.string()?),
            Some(b'-' | b'0'..=b'9') => Kind::Number(self.number()?),
            Some(b'a'..=b'z' | b'A'..=b'Z') => self.keyword()?,
            Some(_) => return Err(self.unexpected("expected a value")),
            None => return Err(self.error("Unexpected end-of-input: expected a value".into())),
        };
        Ok(Node {
            kind,
            start,
            end: self.pos,
        })
    }

    fn nested(
        &mut self,
        f: fn(&mut Self) -> Result<Kind, SyntaxError>,
    ) -> Result<Kind, SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(format!(
                "Document nesting depth exceeds the maximum allowed ({MAX_DEPTH})"
            )));
        }
        let kind = f(self)?;
        self.depth -= 1;
        Ok(kind)
    }

    fn keyword(&mut self) -> Result<Kind, SyntaxError> {
        let start = self.pos;
        while let Some(b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
        match &self.text[start..self.pos] {
            "null" => Ok(Kind::Null),
            "true" => Ok(Kind::Bool(true)),
            "false" => Ok(Kind::Bool(false)),
            token => {
                let token = token.to_owned();
                Err(SyntaxError {
                    message: format!(
                        "Unrecognized token '{token}': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
                    ),
                    offset: self.pos,
                })
            }
        }
    }

    fn object(&mut self) -> Result<Kind, SyntaxError> {
        self.pos += 1; // '{'
        let mut members = Vec::new();
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(Kind::Object(members));
        }
        loop {
            self.skip_ws();
            if self.bytes.get(self.pos) != Some(&b'"') {
                return Err(self.unexpected("was expecting double-quote to start field name"));
            }
            let key_start = self.pos;
            let key = self.string()?;
            self.skip_ws();
            if self.bytes.get(self.pos) != Some(&b':') {
                return Err(
                    self.unexpected("was expecting a colon to separate field name and value")
                );
            }
            self.pos += 1;
            self.skip_ws();
            let value = self.value()?;
            members.push((key, key_start, value));
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Kind::Object(members));
                }
                _ => return Err(self.unexpected("was expecting comma to separate Object entries")),
            }
        }
    }

    fn array(&mut self) -> Result<Kind, SyntaxError> {
        self.pos += 1; // '['
        let mut items = Vec::new();
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(Kind::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value()?);
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Kind::Array(items));
                }
                _ => return Err(self.unexpected("was expecting comma to separate Array entries")),
            }
        }
    }

    fn number(&mut self) -> Result<String, SyntaxError> {
        let start = self.pos;
        let digits = |r: &mut Self| {
            let from = r.pos;
            while let Some(b'0'..=b'9') = r.bytes.get(r.pos) {
                r.pos += 1;
            }
            r.pos - from
        };
        if self.bytes.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        let int_start = self.pos;
        if digits(self) == 0 {
            return Err(self
                .unexpected("expected digit (0-9) to follow minus sign, for valid numeric value"));
        }
        if self.bytes[int_start] == b'0' && self.pos - int_start > 1 {
            return Err(self.error("Invalid numeric value: Leading zeroes not allowed".into()));
        }
        if self.bytes.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if digits(self) == 0 {
                return Err(self.unexpected("Decimal point not followed by a digit"));
            }
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.pos) {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.pos) {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return Err(self.unexpected("Exponent indicator not followed by a digit"));
            }
        }
        Ok(self.text[start..self.pos].to_owned())
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        self.pos += 1; // opening quote
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            while let Some(&b) = self.bytes.get(self.pos) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.text[run_start..self.pos]);
            match self.bytes.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    out.push(self.escape()?);
                }
                Some(&b) => {
                    return Err(self.error(format!(
                        "Illegal unquoted character ((CTRL-CHAR, code {b})): has to be escaped using backslash to be included in string value"
                    )));
                }
                None => {
                    return Err(self.error(
                        "Unexpected end-of-input: was expecting closing quote for a string value"
                            .into(),
                    ));
                }
            }
        }
    }

    fn escape(&mut self) -> Result<char, SyntaxError> {
        unescape(self.bytes, &mut self.pos).map_err(|bad| {
            self.error(match bad {
                BadEscape::End => "Unexpected end-of-input in character escape sequence".into(),
                BadEscape::Hex => "Unexpected character in \\u escape: expected a hex-digit for character escape sequence".into(),
                BadEscape::LoneLeading | BadEscape::LoneTrailing => {
                    "Unpaired surrogate in \\u escape".into()
                }
                BadEscape::Unknown(other) => format!(
                    "Unrecognized character escape '{}' (code {other})",
                    other as char
                ),
            })
        })
    }
}

/// Why an escape in a JSON string could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BadEscape {
    /// The text ends after the backslash.
    End,
    /// `\u` is not followed by four hex digits.
    Hex,
    /// A high surrogate without a low one after it.
    LoneLeading,
    /// A low surrogate without a high one before it.
    LoneTrailing,
    /// A character that does not follow a backslash in JSON.
    Unknown(u8),
}

/// Decodes the escape after a backslash at `bytes[*pos]`, for pattern and event text alike, and
/// moves `pos` past it (or to where the problem is).
pub(crate) fn unescape(bytes: &[u8], pos: &mut usize) -> Result<char, BadEscape> {
    let Some(&b) = bytes.get(*pos) else {
        return Err(BadEscape::End);
    };
    *pos += 1;
    Ok(match b {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let first = hex4(bytes, pos)?;
            if (0xDC00..0xE000).contains(&first) {
                return Err(BadEscape::LoneTrailing);
            }
            if (0xD800..0xDC00).contains(&first) {
                if bytes.get(*pos..*pos + 2) != Some(b"\\u") {
                    return Err(BadEscape::LoneLeading);
                }
                *pos += 2;
                let second = hex4(bytes, pos)?;
                if !(0xDC00..0xE000).contains(&second) {
                    return Err(BadEscape::LoneLeading);
                }
                let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                char::from_u32(code).ok_or(BadEscape::LoneLeading)?
            } else {
                char::from_u32(first).ok_or(BadEscape::LoneTrailing)?
            }
        }
        other => return Err(BadEscape::Unknown(other)),
    })
}

/// Four hex digits at `bytes[*pos]`; `pos` moves past them only when they are there.
fn hex4(bytes: &[u8], pos: &mut usize) -> Result<u32, BadEscape> {
    let digits = bytes.get(*pos..*pos + 4).ok_or(BadEscape::Hex)?;
    let mut code = 0;
    for &d in digits {
        code = code * 16 + char::from(d).to_digit(16).ok_or(BadEscape::Hex)?;
    }
    *pos += 4;
    Ok(code)
}

/// 1-based line and column of a byte offset, counting characters as Jackson does.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let mut line = 1;
    let mut column = 1;
    for (i, c) in text.char_indices() {
        if i >= offset {
            break;
        }
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_duplicate_keys_in_order_and_number_text() {
        let node = parse(r#"{"a": [1], "a": [3.0e2]}"#).unwrap();
        let Kind::Object(members) = node.kind else {
            panic!("object expected")
        };
        assert_eq!(members.len(), 2);
        let Kind::Array(items) = &members[1].2.kind else {
            panic!("array expected")
        };
        assert_eq!(items[0].kind, Kind::Number("3.0e2".into()));
    }

    #[test]
    fn decodes_escapes_and_surrogate_pairs() {
        let node = parse(r#""a\"b\\c\u00e9\ud83d\ude00""#).unwrap();
        assert_eq!(node.kind, Kind::String("a\"b\\cé😀".into()));
    }

    #[test]
    fn reports_jackson_wording_for_common_syntax_errors() {
        let err = parse("this is valid json but not a dict").unwrap_err();
        assert_eq!(
            err.message,
            "Unrecognized token 'this': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
        );
        assert_eq!(line_column("this is", err.offset), (1, 5));
        let err = parse("{'bad': 'quotation'}").unwrap_err();
        assert_eq!(
            err.message,
            "Unexpected character (''' (code 39)): was expecting double-quote to start field name"
        );
    }

    #[test]
    fn rejects_bad_input_without_panicking() {
        for text in [
            "",
            "{",
            "[1,",
            "\"abc",
            "\"\\u12\"",
            "\"\\ud800\"",
            "01",
            "-",
            "1.",
            "1e",
            "{\"a\" 1}",
            "[1 2]",
            "nul",
            "\"\\x\"",
        ] {
            assert!(parse(text).is_err(), "{text:?} should be rejected");
        }
        let deep = "[".repeat(MAX_DEPTH + 1);
        assert!(parse(&deep).is_err());
    }
}
