//! Typed action inputs: [`crate::action_inputs!`] declares a struct of an action's inputs once,
//! and from that one declaration come the inputs' specs (key, label, kind, required, default,
//! description from the `///` docs, JSON Schema) and the typed read of a step's resolved
//! [`Inputs`]. An input key is written once, as the field's name.

use serde_json::Value;

use crate::action::{ActionError, Connection, Data, InputValue, Inputs};

/// A field type of an [`crate::action_inputs!`] struct: how it is read from a step's inputs.
pub trait FromInput: Sized {
    /// Whether a step must give the input (unless the input has a default).
    const REQUIRED: bool;
    /// Reads input `key`. A value of the wrong shape is an error naming the input.
    fn from_input(inputs: &Inputs, key: &str) -> Result<Self, ActionError>;
}

impl FromInput for Option<String> {
    const REQUIRED: bool = false;
    fn from_input(inputs: &Inputs, key: &str) -> Result<Self, ActionError> {
        Ok(inputs.string(key))
    }
}

/// A typed value read by `read`: `None` when absent or blank, an error saying `shape` when it
/// does not read.
fn parsed<T>(
    inputs: &Inputs,
    key: &str,
    read: fn(&Inputs, &str) -> Option<T>,
    shape: &str,
) -> Result<Option<T>, ActionError> {
    match inputs.json(key) {
        None => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(_) => read(inputs, key)
            .map(Some)
            .ok_or_else(|| ActionError::input(key, shape)),
    }
}

impl FromInput for Option<bool> {
    const REQUIRED: bool = false;
    fn from_input(inputs: &Inputs, key: &str) -> Result<Self, ActionError> {
        parsed(inputs, key, Inputs::boolean, "must be true or false")
    }
}

/// A flag: absent is `false`.
impl FromInput for bool {
    const REQUIRED: bool = false;
    fn from_input(inputs: &Inputs, key: &str) -> Result<Self, ActionError> {
        Ok(Option::<bool>::from_input(inputs, key)?.unwrap_or(false))
    }
}

impl FromInput for Option<f64> {
    const REQUIRED: bool = false;
    fn from_input(inputs: &Inputs, key: &str) -> Result<Self, ActionError> {
        parsed(inputs, key, Inputs::number, "must be a number")
    }
}

impl FromInput for Option<Connection> {
    const REQUIRED: bool = false;
    fn from_input(inputs: &Inputs, key: &str) -> Result<Self, ActionError> {
        Ok(inputs.connection(key).cloned())
    }
}

/// A JSON value; `None` when absent, null, binary or a connection.
impl FromInput for Option<Value> {
    const REQUIRED: bool = false;
    fn from_input(inputs: &Inputs, key: &str) -> Result<Self, ActionError> {
        Ok(inputs.json(key).cloned())
    }
}

/// The required form of each optional input type: missing is an error naming the input.
macro_rules! required {
    ($($ty:ty),*) => {$(
        impl FromInput for $ty {
            const REQUIRED: bool = true;
            fn from_input(inputs: &Inputs, key: &str) -> Result<Self, ActionError> {
                Option::<$ty>::from_input(inputs, key)?
                    .ok_or_else(|| ActionError::input(key, "is required"))
            }
        }
    )*};
}

required!(String, f64, Connection, Value);

/// JSON or binary data as given.
impl FromInput for Option<Data> {
    const REQUIRED: bool = false;
    fn from_input(inputs: &Inputs, key: &str) -> Result<Self, ActionError> {
        match inputs.get(key) {
            Some(InputValue::Data(Data::Json(Value::Null))) | None => Ok(None),
            Some(InputValue::Data(d)) => Ok(Some(d.clone())),
            Some(InputValue::Connection(_)) => Err(ActionError::input(
                key,
                "is a connection; give data (a value or a step result)",
            )),
        }
    }
}

/// Reads input `key`, or its declared `default` when the step does not give it (so an action
/// called without the engine's plan still sees its defaults).
pub fn read_input<T: FromInput>(
    inputs: &Inputs,
    key: &str,
    default: Option<&str>,
) -> Result<T, ActionError> {
    match default {
        Some(text) if is_blank(inputs.get(key)) => {
            let mut one = std::collections::BTreeMap::new();
            one.insert(
                key.to_string(),
                InputValue::Data(Data::Json(Value::String(text.to_string()))),
            );
            T::from_input(&Inputs(one), key)
        }
        _ => T::from_input(inputs, key),
    }
}

/// Absent, null or an empty string: a step that gives it leaves the default in force.
fn is_blank(value: Option<&InputValue>) -> bool {
    match value {
        None => true,
        Some(InputValue::Data(Data::Json(Value::Null))) => true,
        Some(InputValue::Data(Data::Json(Value::String(s)))) => s.trim().is_empty(),
        Some(_) => false,
    }
}

/// Declares an action's inputs as a struct, once. Each field is
/// `/// docs` `name: Type = ("Label", Kind)` or `= ("Label", Kind, default "text")`, where
/// `Kind` is an [`crate::component::InputKind`] variant and `Type` a [`FromInput`] type. The
/// field's name is the input key (Prismatic's spelling, so camelCase). It generates
/// `specs()` (the inputs' [`crate::component::InputSpec`]s, descriptions from the docs) and
/// `from_inputs(&Inputs)` (the typed read; a missing required input or a value of the wrong
/// shape is an error naming the input).
///
/// ```
/// plumb_core::action_inputs! {
///     /// Inputs of an example action.
///     pub struct GreetInputs {
///         /// Who to greet.
///         name: String = ("Name", String),
///         /// How many times.
///         times: Option<f64> = ("Times", Number, default "1"),
///     }
/// }
/// let specs = GreetInputs::specs();
/// assert_eq!(specs[0].key, "name");
/// assert!(specs[0].required);
/// assert_eq!(specs[1].default.as_deref(), Some("1"));
/// assert!(!specs[1].required);
/// assert_eq!(specs[0].description, "Who to greet.");
/// ```
#[macro_export]
macro_rules! action_inputs {
    (
        $(#[doc = $sdoc:literal])*
        $vis:vis struct $name:ident {
            $(
                $(#[doc = $doc:literal])*
                $field:ident : $ty:ty = ($label:literal, $kind:ident $(, default $default:literal)?)
            ),* $(,)?
        }
    ) => {
        $(#[doc = $sdoc])*
        #[allow(non_snake_case)]
        #[derive(Debug, Clone)]
        $vis struct $name {
            $( $(#[doc = $doc])* pub $field: $ty, )*
        }

        impl $name {
            /// The inputs' specs, in declaration order.
            pub fn specs() -> ::std::vec::Vec<$crate::component::InputSpec> {
                ::std::vec![
                    $({
                        let default: ::std::option::Option<&str> =
                            ::std::option::Option::None $(.or(::std::option::Option::Some($default)))?;
                        $crate::component::InputSpec::new(
                            stringify!($field),
                            $label,
                            $crate::component::InputKind::$kind,
                            <$ty as $crate::component::FromInput>::REQUIRED,
                            default,
                            concat!($($doc, "\n",)* ""),
                        )
                    },)*
                ]
            }

            /// Reads the inputs from a step's resolved inputs.
            pub fn from_inputs(
                inputs: &$crate::action::Inputs,
            ) -> ::std::result::Result<Self, $crate::action::ActionError> {
                ::std::result::Result::Ok($name {
                    $( $field: {
                        let default: ::std::option::Option<&str> =
                            ::std::option::Option::None $(.or(::std::option::Option::Some($default)))?;
                        $crate::component::read_input::<$ty>(inputs, stringify!($field), default)?
                    }, )*
                })
            }
        }
    };
}
