//! `evaluate`: arithmetic expressions such as `5 + 3 * 4^3` or `5 << 2`, with JavaScript's
//! operators and precedence (`^` and `**` are powers, as in Prismatic's examples; the bitwise
//! `& | << >>` work on 32-bit integers as in JavaScript), parentheses, the constants `pi` and
//! `e`, and the functions of the component (`sqrt(2)`, `max(1, 2)`, ...). Bounded: at most
//! [`MAX_LENGTH`] characters and [`MAX_DEPTH`] nested groups.

use thiserror::Error;

use super::ops::js_round;

/// The longest expression evaluated.
pub(crate) const MAX_LENGTH: usize = 4096;
/// The deepest nesting of parentheses, unary signs and powers.
pub(crate) const MAX_DEPTH: usize = 64;

/// Why an expression does not evaluate.
#[derive(Debug, Error, PartialEq)]
pub(crate) enum ExprError {
    #[error("is longer than {MAX_LENGTH} characters")]
    TooLong,
    #[error("nests deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("has an unexpected `{0}` at character {1}")]
    Unexpected(String, usize),
    #[error("ends too early")]
    UnexpectedEnd,
    #[error("uses the unknown name `{0}`")]
    UnknownName(String),
    #[error("calls `{0}` with {1} arguments")]
    Arity(String, usize),
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Num(f64),
    Name(String),
    Op(&'static str),
    Open,
    Close,
    Comma,
}

fn tokens(text: &str) -> Result<Vec<(Token, usize)>, ExprError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                let mut j = i + 1;
                if j < chars.len() && (chars[j] == '+' || chars[j] == '-') {
                    j += 1;
                }
                if j < chars.len() && chars[j].is_ascii_digit() {
                    i = j;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            let literal: String = chars[start..i].iter().collect();
            let n = literal
                .parse()
                .map_err(|_| ExprError::Unexpected(literal.clone(), start))?;
            out.push((Token::Num(n), start));
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((Token::Name(chars[start..i].iter().collect()), start));
            continue;
        }
        let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
        let (token, len) = match two.as_str() {
            "**" => (Token::Op("^"), 2),
            "<<" => (Token::Op("<<"), 2),
            ">>" => (Token::Op(">>"), 2),
            _ => match c {
                '+' => (Token::Op("+"), 1),
                '-' => (Token::Op("-"), 1),
                '*' | '×' => (Token::Op("*"), 1),
                '/' | '÷' => (Token::Op("/"), 1),
                '%' => (Token::Op("%"), 1),
                '^' => (Token::Op("^"), 1),
                '&' => (Token::Op("&"), 1),
                '|' => (Token::Op("|"), 1),
                '(' => (Token::Open, 1),
                ')' => (Token::Close, 1),
                ',' => (Token::Comma, 1),
                other => return Err(ExprError::Unexpected(other.to_string(), start)),
            },
        };
        out.push((token, start));
        i += len;
    }
    Ok(out)
}

/// Evaluates `text`.
pub(crate) fn evaluate(text: &str) -> Result<f64, ExprError> {
    if text.chars().count() > MAX_LENGTH {
        return Err(ExprError::TooLong);
    }
    let mut p = Parser {
        tokens: tokens(text)?,
        at: 0,
        depth: 0,
    };
    let value = p.binary(0)?;
    match p.tokens.get(p.at) {
        None => Ok(value),
        Some((t, pos)) => Err(ExprError::Unexpected(show(t), *pos)),
    }
}

fn show(t: &Token) -> String {
    match t {
        Token::Num(n) => n.to_string(),
        Token::Name(s) => s.clone(),
        Token::Op(o) => (*o).to_string(),
        Token::Open => "(".into(),
        Token::Close => ")".into(),
        Token::Comma => ",".into(),
    }
}

/// Binary operators by precedence, loosest first.
const LEVELS: &[&[&str]] = &[&["|"], &["&"], &["<<", ">>"], &["+", "-"], &["*", "/", "%"]];

/// JavaScript's `ToInt32`.
fn int32(x: f64) -> i32 {
    if !x.is_finite() {
        return 0;
    }
    (x.trunc() % 4_294_967_296.0) as i64 as i32
}

struct Parser {
    tokens: Vec<(Token, usize)>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|(t, _)| t)
    }

    fn next(&mut self) -> Result<(Token, usize), ExprError> {
        let t = self
            .tokens
            .get(self.at)
            .cloned()
            .ok_or(ExprError::UnexpectedEnd)?;
        self.at += 1;
        Ok(t)
    }

    fn deeper(&mut self) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            Err(ExprError::TooDeep)
        } else {
            Ok(())
        }
    }

    fn binary(&mut self, level: usize) -> Result<f64, ExprError> {
        let Some(ops) = LEVELS.get(level) else {
            return self.unary();
        };
        let mut left = self.binary(level + 1)?;
        while let Some(Token::Op(op)) = self.peek() {
            let op = *op;
            if !ops.contains(&op) {
                break;
            }
            self.at += 1;
            let right = self.binary(level + 1)?;
            left = match op {
                "|" => f64::from(int32(left) | int32(right)),
                "&" => f64::from(int32(left) & int32(right)),
                "<<" => f64::from(int32(left).wrapping_shl(int32(right) as u32 & 31)),
                ">>" => f64::from(int32(left).wrapping_shr(int32(right) as u32 & 31)),
                "+" => left + right,
                "-" => left - right,
                "*" => left * right,
                "/" => left / right,
                _ => left % right,
            };
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<f64, ExprError> {
        match self.peek() {
            Some(Token::Op("-")) => {
                self.at += 1;
                self.deeper()?;
                let v = -self.unary()?;
                self.depth -= 1;
                Ok(v)
            }
            Some(Token::Op("+")) => {
                self.at += 1;
                self.deeper()?;
                let v = self.unary()?;
                self.depth -= 1;
                Ok(v)
            }
            _ => self.power(),
        }
    }

    /// `a ^ b`, right-associative, binding tighter than a sign on its left (`-2^2` is `-4`).
    fn power(&mut self) -> Result<f64, ExprError> {
        let base = self.primary()?;
        if let Some(Token::Op("^")) = self.peek() {
            self.at += 1;
            self.deeper()?;
            let exponent = self.unary()?;
            self.depth -= 1;
            return Ok(base.powf(exponent));
        }
        Ok(base)
    }

    fn primary(&mut self) -> Result<f64, ExprError> {
        let (token, pos) = self.next()?;
        match token {
            Token::Num(n) => Ok(n),
            Token::Open => {
                self.deeper()?;
                let v = self.binary(0)?;
                self.depth -= 1;
                self.expect_close()?;
                Ok(v)
            }
            Token::Name(name) => {
                if self.peek() == Some(&Token::Open) {
                    self.at += 1;
                    self.deeper()?;
                    let args = self.arguments()?;
                    self.depth -= 1;
                    call(&name, &args)
                } else {
                    match name.as_str() {
                        "pi" | "PI" => Ok(std::f64::consts::PI),
                        "e" | "E" => Ok(std::f64::consts::E),
                        _ => Err(ExprError::UnknownName(name)),
                    }
                }
            }
            other => Err(ExprError::Unexpected(show(&other), pos)),
        }
    }

    fn expect_close(&mut self) -> Result<(), ExprError> {
        match self.next()? {
            (Token::Close, _) => Ok(()),
            (other, pos) => Err(ExprError::Unexpected(show(&other), pos)),
        }
    }

    fn arguments(&mut self) -> Result<Vec<f64>, ExprError> {
        let mut args = Vec::new();
        if self.peek() == Some(&Token::Close) {
            self.at += 1;
            return Ok(args);
        }
        loop {
            args.push(self.binary(0)?);
            match self.next()? {
                (Token::Comma, _) => continue,
                (Token::Close, _) => return Ok(args),
                (other, pos) => return Err(ExprError::Unexpected(show(&other), pos)),
            }
        }
    }
}

fn call(name: &str, args: &[f64]) -> Result<f64, ExprError> {
    let one = |f: fn(f64) -> f64| match args {
        [x] => Ok(f(*x)),
        _ => Err(ExprError::Arity(name.to_string(), args.len())),
    };
    match name {
        "abs" => one(f64::abs),
        "ceil" => one(f64::ceil),
        "floor" => one(f64::floor),
        "round" => one(js_round),
        "trunc" => one(f64::trunc),
        "sqrt" => one(f64::sqrt),
        "cbrt" => one(f64::cbrt),
        "exp" => one(f64::exp),
        "log" | "ln" => one(f64::ln),
        "log10" => one(f64::log10),
        "log2" => one(f64::log2),
        "sin" => one(f64::sin),
        "cos" => one(f64::cos),
        "tan" => one(f64::tan),
        "asin" => one(f64::asin),
        "acos" => one(f64::acos),
        "atan" => one(f64::atan),
        "pow" => match args {
            [b, e] => Ok(b.powf(*e)),
            _ => Err(ExprError::Arity(name.to_string(), args.len())),
        },
        "max" | "min" if !args.is_empty() => {
            let pick = if name == "max" { f64::max } else { f64::min };
            Ok(args.iter().copied().fold(args[0], pick))
        }
        "max" | "min" => Err(ExprError::Arity(name.to_string(), 0)),
        _ => Err(ExprError::UnknownName(name.to_string())),
    }
}
