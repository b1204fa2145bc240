//! Step names as references spell them: `"Get Pokemon Data"` → `getPokemonData` (lodash's
//! `camelCase`, which Prismatic uses).

/// Splits a name into words: on anything not alphanumeric, on lower→upper case changes, at the
/// end of an acronym (`HTTPRequest` → `HTTP`, `Request`) and between letters and digits.
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for chunk in name.split(|c: char| !c.is_alphanumeric()) {
        let chars: Vec<char> = chunk.chars().collect();
        let mut word = String::new();
        for (i, &c) in chars.iter().enumerate() {
            if let Some(&prev) = i.checked_sub(1).and_then(|j| chars.get(j)) {
                let next = chars.get(i + 1).copied();
                let boundary = (prev.is_lowercase() && c.is_uppercase())
                    || (prev.is_alphabetic() != c.is_alphabetic())
                    || (prev.is_uppercase()
                        && c.is_uppercase()
                        && next.is_some_and(|n| n.is_lowercase()));
                if boundary && !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
            }
            word.push(c);
        }
        if !word.is_empty() {
            out.push(word);
        }
    }
    out
}

/// The camelCased form of a step name.
pub fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for (i, word) in words(name).iter().enumerate() {
        let lower = word.to_lowercase();
        if i == 0 {
            out.push_str(&lower);
        } else {
            let mut cs = lower.chars();
            if let Some(first) = cs.next() {
                out.extend(first.to_uppercase());
                out.push_str(cs.as_str());
            }
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
