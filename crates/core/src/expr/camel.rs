//! Step names as references spell them: `"Get Pokemon Data"` → `getPokemonData` (lodash's
//! `camelCase`, which Prismatic uses).

/// The camelCased form of a step name. Words split on anything not alphanumeric, on
/// lower→upper case changes, at the end of an acronym (`HTTPRequest` → `HTTP`, `Request`) and
/// between letters and digits; the first word is lowercased, the others capitalized.
pub fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for chunk in name.split(|c: char| !c.is_alphanumeric()) {
        let mut prev: Option<char> = None;
        let mut chars = chunk.chars().peekable();
        while let Some(c) = chars.next() {
            let word_start = match prev {
                None => true,
                Some(p) => {
                    let next = chars.peek().copied();
                    (p.is_lowercase() && c.is_uppercase())
                        || (p.is_alphabetic() != c.is_alphabetic())
                        || (p.is_uppercase()
                            && c.is_uppercase()
                            && next.is_some_and(char::is_lowercase))
                }
            };
            if word_start && !out.is_empty() {
                out.extend(c.to_uppercase());
            } else {
                out.extend(c.to_lowercase());
            }
            prev = Some(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::camel_case;

    #[test]
    fn table() {
        let cases = [
            ("Get Pokemon Data", "getPokemonData"),
            ("Path Helper", "pathHelper"),
            ("GET Request", "getRequest"),
            ("Add 1 to current page value", "add1ToCurrentPageValue"),
            ("Execution - Get Value", "executionGetValue"),
            ("Add Key/Value to Object", "addKeyValueToObject"),
            ("Flow 2 Trigger", "flow2Trigger"),
            ("HTTPRequest", "httpRequest"),
            ("loopOverItems", "loopOverItems"),
            ("  Loop   over items ", "loopOverItems"),
            ("S3 - Put an Object", "s3PutAnObject"),
        ];
        for (name, want) in cases {
            assert_eq!(camel_case(name), want, "{name}");
        }
    }
}
