//! docs/definitions.md stays true: every YAML example parses.

use plumb_core::definition::yaml;

#[test]
fn yaml_examples_in_the_docs_parse() {
    let doc = include_str!("../../../../docs/definitions.md");
    let mut blocks = 0;
    let mut rest = doc;
    while let Some(start) = rest.find("```yaml\n") {
        let body = &rest[start + 8..];
        let end = body.find("```").expect("closed block");
        let block = &body[..end];
        if let Err(e) = yaml::parse(block) {
            panic!("docs/definitions.md YAML block {blocks} does not parse: {e}\n{block}");
        }
        blocks += 1;
        rest = &body[end + 3..];
    }
    assert!(blocks >= 9, "found {blocks} YAML examples");
}
