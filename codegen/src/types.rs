//! Type expressions of the spec (`int`, `list<Playback>`, `map<int, datetime>`): parsing, and the
//! names with a special meaning. Resolution against the spec's enums and records happens in [`crate::lower`].

/// A parsed type expression, names not yet resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TyExpr {
    Name(String),
    List(Box<TyExpr>),
    Map(Box<TyExpr>, Box<TyExpr>),
}

/// Names with a meaning only in one place: `ack` (a response) and `file` (a parameter).
pub(crate) const SPECIAL: &[&str] = &["ack", "file"];

/// Parses `text` as a type expression.
pub(crate) fn parse(text: &str) -> Result<TyExpr, String> {
    let mut p = Parser { s: text, pos: 0 };
    let ty = p.ty()?;
    p.skip_ws();
    if p.pos != p.s.len() {
        return Err(format!(
            "unexpected '{}' after the type in '{text}'",
            &p.s[p.pos..]
        ));
    }
    Ok(ty)
}

struct Parser<'a> {
    s: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self.s[self.pos..].starts_with(' ') {
            self.pos += 1;
        }
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_ws();
        if self.s[self.pos..].starts_with(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn word(&mut self) -> Result<String, String> {
        self.skip_ws();
        let rest = &self.s[self.pos..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if len == 0 {
            return Err(format!("expected a type name in '{}'", self.s));
        }
        self.pos += len;
        Ok(rest[..len].to_owned())
    }

    fn ty(&mut self) -> Result<TyExpr, String> {
        let name = self.word()?;
        match name.as_str() {
            "list" => {
                self.expect('<')?;
                let item = self.ty()?;
                self.expect('>')?;
                Ok(TyExpr::List(Box::new(item)))
            }
            "map" => {
                self.expect('<')?;
                let key = self.ty()?;
                self.expect(',')?;
                let value = self.ty()?;
                self.expect('>')?;
                Ok(TyExpr::Map(Box::new(key), Box::new(value)))
            }
            _ => Ok(TyExpr::Name(name)),
        }
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(format!("expected '{c}' in '{}'", self.s))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> Box<TyExpr> {
        Box::new(TyExpr::Name(s.into()))
    }

    #[test]
    fn parses_names_lists_and_maps() {
        assert_eq!(parse("int"), Ok(TyExpr::Name("int".into())));
        assert_eq!(
            parse(" list<Playback> "),
            Ok(TyExpr::List(name("Playback")))
        );
        assert_eq!(
            parse("map<int, list<datetime>>"),
            Ok(TyExpr::Map(
                name("int"),
                Box::new(TyExpr::List(name("datetime")))
            ))
        );
    }

    #[test]
    fn rejects_malformed_expressions() {
        assert!(parse("list<int").is_err());
        assert!(parse("map<int>").is_err());
        assert!(parse("list<>").is_err());
        assert!(parse("int int").is_err());
        assert!(parse("").is_err());
    }
}
