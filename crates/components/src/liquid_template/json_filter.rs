//! The `json` filter (as in LiquidJS, which Prismatic's templates use: `{{ data | json }}`):
//! a value as compact JSON text, object keys sorted.

use liquid_core::model::{Value, ValueView};
use liquid_core::{Display_filter, Filter, FilterReflection, ParseFilter, Result, Runtime};

#[derive(Clone, ParseFilter, FilterReflection)]
#[filter(
    name = "json",
    description = "Writes a value as JSON text.",
    parsed(JsonFilter)
)]
pub struct Json;

#[derive(Debug, Default, Display_filter)]
#[name = "json"]
struct JsonFilter;

impl Filter for JsonFilter {
    fn evaluate(&self, input: &dyn ValueView, _runtime: &dyn Runtime) -> Result<Value> {
        // Through `serde_json::Value` so that object keys come out sorted (a Liquid object's
        // order is a hash map's).
        let text = serde_json::to_value(input.to_value())
            .map(|v| v.to_string())
            .map_err(|e| liquid_core::Error::with_msg(format!("writing JSON: {e}")))?;
        let out = Value::scalar(text);
        super::bounds::check_size(&out)?;
        Ok(out)
    }
}
