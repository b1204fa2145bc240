//! What a customer-bound caller (a token bound to one customer) may do with its customer's
//! instances, as rules the API asks about (docs/security.md, "Customer-bound tokens"):
//!
//! - it binds only values of its own customer: literals, its own connection inputs, its
//!   customer's config variables and customer-activated connections
//!   ([`customer_may_bind`], [`customer_may_bind_scoped`]); never an organization config
//!   variable, an organization credential or an organization-activated connection, and never a
//!   config var the definition marks `orgOnly` ([`customer_may_remove`] too);
//! - it sees only the bindings it could have made ([`customer_sees_binding`]);
//! - it never reads an integration's definition ([`may_read_definitions`]).
//!
//! Bindings the organization made on the customer's behalf (an organization token, or the
//! `useScopedConfigVar` auto-binding of the definition) keep working: these rules decide only
//! what a customer-bound caller may choose or see.

use plumb_core::definition::ConfigVarDecl;
use plumb_store::connections::{ManagedBy, ScopedVar, VariableScope};
use plumb_store::instances::{Binding, BindingKind};

use crate::bindings::BindingInput;

/// Who chooses an instance's bindings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoundBy {
    /// An organization-wide caller: any value of the organization.
    Organization,
    /// A customer-bound caller: only its customer's own values.
    Customer,
}

/// The message of a refused `orgOnly` config var.
const ORG_ONLY: &str = "is set by the organization only (orgOnly): a customer-bound token \
                        cannot bind or remove it";

/// Whether a customer-bound caller may give `input` for `decl` (before any lookup). A refusal
/// says why, never naming another record.
pub fn customer_may_bind(decl: &ConfigVarDecl, input: &BindingInput) -> Result<(), &'static str> {
    if decl.org_only.unwrap_or(false) {
        return Err(ORG_ONLY);
    }
    if input.organization_config_variable.is_some() {
        return Err(
            "organizationConfigVariableId: a customer-bound token cannot bind the \
                    organization's config variables",
        );
    }
    Ok(())
}

/// Whether a customer-bound caller may bind the scoped connection `var`: only a
/// customer-activated connection with values per customer. An organization credential
/// (`variableScope: org`) or an organization-activated connection (`managedBy: org`) is chosen by
/// the organization alone; to the customer it is "not found", as everywhere else.
pub fn customer_may_bind_scoped(var: &ScopedVar) -> bool {
    var.managed_by == ManagedBy::Customer && var.variable_scope == VariableScope::Customer
}

/// Whether a customer-bound caller may remove the binding of `decl` (`None`: a key the
/// definition does not declare, which may go).
pub fn customer_may_remove(decl: Option<&ConfigVarDecl>) -> Result<(), &'static str> {
    match decl {
        Some(d) if d.org_only.unwrap_or(false) => Err(ORG_ONLY),
        _ => Ok(()),
    }
}

/// Whether a customer-bound caller sees binding `b` of config var `decl` among an instance's
/// config variables: the bindings it could have made itself. `scoped` is the scoped connection
/// a `scoped` binding names (`None` when it is gone). Bindings of the organization's values,
/// and every binding of an `orgOnly` config var, are not shown.
pub fn customer_sees_binding(
    decl: Option<&ConfigVarDecl>,
    b: &Binding,
    scoped: Option<&ScopedVar>,
) -> bool {
    if decl.is_some_and(|d| d.org_only.unwrap_or(false)) {
        return false;
    }
    match b.kind {
        BindingKind::Value | BindingKind::Values | BindingKind::Customer => true,
        BindingKind::Org => false,
        BindingKind::Scoped => scoped.is_some_and(customer_may_bind_scoped),
    }
}

/// Whether a caller may read integration definitions (the YAML, with its code steps, URLs and
/// defaults): organization-wide callers only. A customer-bound caller sees an integration's name,
/// flows and required config vars, never its definition.
pub fn may_read_definitions(caller: BoundBy) -> bool {
    caller == BoundBy::Organization
}

#[cfg(test)]
mod tests {
    use super::*;
    use plumb_store::connections::InputScope;
    use std::collections::BTreeMap;

    fn decl(org_only: bool) -> ConfigVarDecl {
        let mut d: ConfigVarDecl =
            serde_json::from_value(serde_json::json!({"key": "k", "dataType": "string"})).unwrap();
        d.org_only = Some(org_only);
        d
    }

    fn var(managed_by: ManagedBy, variable_scope: VariableScope) -> ScopedVar {
        ScopedVar {
            id: uuid::Uuid::nil(),
            org_id: uuid::Uuid::nil(),
            key: "c".into(),
            stable_key: "c".into(),
            description: String::new(),
            variable_scope,
            managed_by,
            connection_type: uuid::Uuid::nil(),
            input_scopes: BTreeMap::from([("x".to_string(), InputScope::Global)]),
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn only_customer_activated_per_customer_connections_are_bindable() {
        assert!(customer_may_bind_scoped(&var(
            ManagedBy::Customer,
            VariableScope::Customer
        )));
        for (m, s) in [
            (ManagedBy::Org, VariableScope::Customer),
            (ManagedBy::Org, VariableScope::Org),
            (ManagedBy::Customer, VariableScope::Org),
        ] {
            assert!(!customer_may_bind_scoped(&var(m, s)), "{m:?} {s:?}");
        }
    }

    #[test]
    fn org_only_and_org_values_are_refused_and_hidden() {
        let org_var = BindingInput {
            key: "k".into(),
            organization_config_variable: Some(uuid::Uuid::nil()),
            ..Default::default()
        };
        let literal = BindingInput {
            key: "k".into(),
            value: Some("v".into()),
            ..Default::default()
        };
        assert!(customer_may_bind(&decl(false), &org_var).is_err());
        assert!(customer_may_bind(&decl(true), &literal).is_err());
        assert!(customer_may_bind(&decl(false), &literal).is_ok());
        assert!(customer_may_remove(Some(&decl(true))).is_err());
        assert!(customer_may_remove(Some(&decl(false))).is_ok());
        assert!(customer_may_remove(None).is_ok());
        let value = Binding::new("k", BindingKind::Value);
        assert!(customer_sees_binding(Some(&decl(false)), &value, None));
        assert!(!customer_sees_binding(Some(&decl(true)), &value, None));
        let org = Binding::new("k", BindingKind::Org);
        assert!(!customer_sees_binding(Some(&decl(false)), &org, None));
        let scoped = Binding::new("k", BindingKind::Scoped);
        let own = var(ManagedBy::Customer, VariableScope::Customer);
        let orgs = var(ManagedBy::Org, VariableScope::Customer);
        assert!(customer_sees_binding(None, &scoped, Some(&own)));
        assert!(!customer_sees_binding(None, &scoped, Some(&orgs)));
        assert!(!customer_sees_binding(None, &scoped, None));
        assert!(may_read_definitions(BoundBy::Organization));
        assert!(!may_read_definitions(BoundBy::Customer));
    }
}
