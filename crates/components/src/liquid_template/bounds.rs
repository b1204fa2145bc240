//! What keeps a template's rendering bounded: a writer that refuses past a byte limit (the
//! output, and every `capture`), a `capture` block on that writer, filters whose results are
//! checked for size (the ones that grow a value: `append`, `prepend`, `replace`,
//! `replace_first`, `join`, `concat`), and a check that loop ranges (`(1..n)`) have literal
//! bounds of a limited span (the `for` block collects its range into memory).

use std::io::Write;

use liquid_core::error::ResultLiquidExt;
use liquid_core::model::{Value, ValueView};
use liquid_core::parser::{FilterArguments, FilterReflection, ParseFilter};
use liquid_core::{
    BlockReflection, Filter, Language, ParseBlock, Renderable, Result, Runtime, TagBlock,
    TagTokenIter, Template,
};

/// The most bytes a rendering (or one captured or filtered value) may reach (16 MiB).
pub const MAX_BYTES: usize = 16 * 1024 * 1024;

/// The most items a filtered list may hold.
pub const MAX_ITEMS: usize = 1_000_000;

/// The widest literal loop range (`(1..100000)`).
pub const MAX_RANGE: i64 = 100_000;

/// Text of the error a full [`Bounded`] writer gives.
pub const OVERFLOW: &str = "the rendered text would pass the limit of 16 MiB";

/// A buffer that refuses to grow past [`MAX_BYTES`].
#[derive(Debug, Default)]
pub struct Bounded {
    /// What was written.
    pub bytes: Vec<u8>,
    /// Whether a write was refused.
    pub overflowed: bool,
}

impl Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > MAX_BYTES {
            self.overflowed = true;
            return Err(std::io::Error::other(OVERFLOW));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `{% capture name %}...{% endcapture %}`, captured into a [`Bounded`] buffer.
#[derive(Copy, Clone, Debug, Default)]
pub struct CaptureBlock;

impl BlockReflection for CaptureBlock {
    fn start_tag(&self) -> &str {
        "capture"
    }

    fn end_tag(&self) -> &str {
        "endcapture"
    }

    fn description(&self) -> &str {
        "Renders its contents into a variable (at most 16 MiB)."
    }
}

impl ParseBlock for CaptureBlock {
    fn parse(
        &self,
        mut arguments: TagTokenIter<'_>,
        mut tokens: TagBlock<'_, '_>,
        options: &Language,
    ) -> Result<Box<dyn Renderable>> {
        let id: liquid_core::model::KString = arguments
            .expect_next("Identifier expected")?
            .expect_identifier()
            .into_result()?
            .to_owned()
            .into();
        arguments.expect_nothing()?;
        let template = Template::new(
            tokens
                .parse_all(options)
                .trace_with(|| format!("{{% capture {id} %}}").into())?,
        );
        tokens.assert_empty();
        Ok(Box::new(Capture { id, template }))
    }

    fn reflection(&self) -> &dyn BlockReflection {
        self
    }
}

#[derive(Debug)]
struct Capture {
    id: liquid_core::model::KString,
    template: Template,
}

impl Renderable for Capture {
    fn render_to(&self, _writer: &mut dyn Write, runtime: &dyn Runtime) -> Result<()> {
        let mut captured = Bounded::default();
        let rendered = self.template.render_to(&mut captured, runtime);
        if captured.overflowed {
            return Err(liquid_core::Error::with_msg(OVERFLOW));
        }
        rendered.trace_with(|| format!("{{% capture {} %}}", self.id).into())?;
        let output = String::from_utf8_lossy(&captured.bytes).into_owned();
        runtime.set_global(self.id.clone(), Value::scalar(output));
        Ok(())
    }
}

/// A filter whose results are checked against [`MAX_BYTES`] and [`MAX_ITEMS`].
#[derive(Clone)]
pub struct SizeChecked(pub Box<dyn ParseFilter>);

impl ParseFilter for SizeChecked {
    fn parse(&self, arguments: FilterArguments<'_>) -> Result<Box<dyn Filter>> {
        Ok(Box::new(CheckedFilter(self.0.parse(arguments)?)))
    }

    fn reflection(&self) -> &dyn FilterReflection {
        self.0.reflection()
    }
}

#[derive(Debug)]
struct CheckedFilter(Box<dyn Filter>);

impl std::fmt::Display for CheckedFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl Filter for CheckedFilter {
    fn evaluate(&self, input: &dyn ValueView, runtime: &dyn Runtime) -> Result<Value> {
        let out = self.0.evaluate(input, runtime)?;
        check_size(&out)?;
        Ok(out)
    }
}

/// An error when `value` is a string over [`MAX_BYTES`] or a list over [`MAX_ITEMS`].
pub fn check_size(value: &Value) -> Result<()> {
    match value {
        Value::Scalar(s) if s.to_kstr().len() > MAX_BYTES => {
            Err(liquid_core::Error::with_msg(OVERFLOW))
        }
        Value::Array(items) if items.len() > MAX_ITEMS => Err(liquid_core::Error::with_msg(
            format!("a list would pass {MAX_ITEMS} items"),
        )),
        _ => Ok(()),
    }
}

/// Checks the ranges (`(a..b)`) in the template's tags and outputs: each must have integer
/// literal bounds at most [`MAX_RANGE`] apart. Says what is wrong.
pub fn check_ranges(template: &str) -> std::result::Result<(), String> {
    let mut rest = template;
    while let Some(start) = rest.find(['{']) {
        let after = &rest[start..];
        let close = if after.starts_with("{%") {
            "%}"
        } else if after.starts_with("{{") {
            "}}"
        } else {
            rest = &after[1..];
            continue;
        };
        let end = after.find(close).map_or(after.len(), |e| e + close.len());
        check_markup(&after[..end])?;
        rest = &after[end..];
    }
    Ok(())
}

fn check_markup(markup: &str) -> std::result::Result<(), String> {
    let mut rest = markup;
    while let Some(dots) = rest.find("..") {
        let before = rest[..dots].rsplit('(').next().unwrap_or_default();
        let after = rest[dots + 2..].split(')').next().unwrap_or_default();
        let (a, b) = (before.trim().parse::<i64>(), after.trim().parse::<i64>());
        match (a, b) {
            (Ok(a), Ok(b)) if b.saturating_sub(a) <= MAX_RANGE => {}
            (Ok(_), Ok(_)) => {
                return Err(format!(
                    "has a range wider than {MAX_RANGE} in `{}`",
                    markup.trim()
                ))
            }
            _ => {
                return Err(format!(
                    "has a range without number bounds in `{}` (ranges need literal bounds, \
                     at most {MAX_RANGE} apart)",
                    markup.trim()
                ))
            }
        }
        rest = &rest[dots + 2..];
    }
    Ok(())
}
