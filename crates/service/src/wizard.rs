//! The configuration wizard of the embedded marketplace: what a customer user sees of an
//! integration version's config pages, the checks of each page, and the deploy at the end.
//!
//! Rules:
//! - pages follow the definition's `configPages` in order; config vars on no page come last
//!   on a page "Configuration"; an HTML element is shown as its text;
//! - a customer user never sees an `orgOnly` config var, nor a connection the organization
//!   fills in (`useScopedConfigVar` naming an organization credential or an
//!   organization-activated connection, or naming nothing): they are left out of the pages,
//!   of every value, and so of every page and message (they bind themselves);
//! - it fills in: plain config vars (checked against their data type and pick list; required
//!   unless they have a default), the inputs of a connection the definition declares inline,
//!   and its own values of a customer-activated connection (`managedBy: customer`); secret
//!   inputs are write-only (a blank one keeps the stored value);
//! - deploying creates the instance (or, for an existing one, rebinds it) with those values and
//!   deploys it, all through the instance services' own rules.

use std::collections::BTreeMap;
use std::sync::Arc;

use plumb_core::config::DataType;
use plumb_core::connection_types::ConnectionType;
use plumb_core::definition::{ConfigVarDecl, Definition};
use plumb_runtime::bindings::BindingInput;
use plumb_store::connections::{ManagedBy, ScopedVar, VariableScope};
use plumb_store::customers::Customer;
use plumb_store::instances::{BindingKind, Instance};
use plumb_store::integrations::Integration;
use plumb_store::StoreError;
use uuid::Uuid;

use crate::connections::input::{find_connection_type, ConnInput};
use crate::connections::values::{InputView, Target};
use crate::instance_changes::InstanceInput;
use crate::{Caller, FieldErrors, ServiceError, Services};

/// What the wizard configures: a new instance of a version, or an existing instance.
#[derive(Debug, Clone, Copy)]
pub enum WizardTarget {
    /// A new instance of this published version.
    Version(Uuid),
    /// This instance (its version).
    Instance(Uuid),
}

/// How the SDK names what to configure (`None` IDs: given but undecodable).
#[derive(Debug, Clone)]
pub enum WizardRequest {
    /// A marketplace integration by name (`configureInstance({integrationName})`).
    IntegrationName(String),
    /// A marketplace integration by the ID of its draft or one of its versions.
    Integration(Option<Uuid>),
    /// One of the customer's instances.
    Instance(Option<Uuid>),
}

/// A config var as the wizard shows it.
#[derive(Debug, Clone)]
pub struct VarField {
    /// Its key.
    pub key: String,
    /// Its data type (`string` when the definition gives none).
    pub data_type: String,
    /// Its description.
    pub description: Option<String>,
    /// The choices of a picklist.
    pub pick_list: Vec<String>,
    /// `valuelist` or `keyvaluelist`.
    pub collection_type: Option<String>,
    /// `json`, `xml` or `html` for code.
    pub code_language: Option<String>,
    /// Whether it must be given (it has no default).
    pub required: bool,
    /// The value shown: the instance's, else the default.
    pub value: String,
}

/// How a connection of the wizard is stored.
#[derive(Debug, Clone)]
pub enum ConnectionKind {
    /// Declared by the definition: its inputs are the instance's own.
    Inline,
    /// A customer-activated connection: the customer's values of this scoped variable.
    Customer(ScopedVar),
}

/// A connection as the wizard shows it.
#[derive(Debug, Clone)]
pub struct ConnectionField {
    /// The config var's key.
    pub key: String,
    /// Its description.
    pub description: Option<String>,
    /// The connection type.
    pub connection_type: &'static ConnectionType,
    /// Where its values go.
    pub kind: ConnectionKind,
    /// The inputs the customer fills in (never a global one), secrets without values.
    pub inputs: Vec<InputView>,
}

/// One element of a page.
#[derive(Debug, Clone)]
pub enum Element {
    /// Text (an HTML element's, its tags removed).
    Text(String),
    /// A config var.
    Var(VarField),
    /// A connection.
    Connection(ConnectionField),
}

/// One page of the wizard.
#[derive(Debug, Clone)]
pub struct Page {
    /// Its name.
    pub name: String,
    /// Its tagline.
    pub tagline: Option<String>,
    /// Its elements, in order.
    pub elements: Vec<Element>,
}

/// The wizard of one version for the caller's customer.
#[derive(Debug, Clone)]
pub struct Wizard {
    /// The version configured.
    pub version: Integration,
    /// The customer.
    pub customer: Customer,
    /// The instance reconfigured, if any.
    pub instance: Option<Instance>,
    /// Its pages, in order (pages with nothing for the customer are left out).
    pub pages: Vec<Page>,
    /// Whether the caller may only look (a read-only customer user).
    pub read_only: bool,
}

/// The values a wizard form gives: `cv.<key>` for a config var, `conn.<key>.<input>` for a
/// connection input, `name` for the instance's name.
pub type WizardForm = BTreeMap<String, String>;

/// The form field of config var `key`.
pub fn var_field(key: &str) -> String {
    format!("cv.{key}")
}

/// The form field of input `input` of connection `key`.
pub fn input_field(key: &str, input: &str) -> String {
    format!("conn.{key}.{input}")
}

fn pick_list(decl: &ConfigVarDecl) -> Vec<String> {
    decl.extra
        .get("pickList")
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn default_text(decl: &ConfigVarDecl) -> Option<String> {
    match &decl.default_value {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(other) => Some(other.to_string()),
    }
}

/// The text of an HTML element: tags removed, entities left as written.
fn html_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_org_only(decl: &ConfigVarDecl) -> bool {
    decl.org_only.unwrap_or(false)
}

impl Wizard {
    /// Every config var field, in page order.
    pub fn vars(&self) -> impl Iterator<Item = &VarField> {
        self.pages.iter().flat_map(|p| {
            p.elements.iter().filter_map(|e| match e {
                Element::Var(v) => Some(v),
                _ => None,
            })
        })
    }

    /// Every connection field, in page order.
    pub fn connections(&self) -> impl Iterator<Item = &ConnectionField> {
        self.pages.iter().flat_map(|p| {
            p.elements.iter().filter_map(|e| match e {
                Element::Connection(c) => Some(c),
                _ => None,
            })
        })
    }

    /// The problems of `form` on page `page` (every page with `None`), by form field.
    pub fn check(&self, page: Option<usize>, form: &WizardForm) -> FieldErrors {
        let mut errors = FieldErrors::default();
        for (i, p) in self.pages.iter().enumerate() {
            if page.is_some_and(|n| n != i) {
                continue;
            }
            for e in &p.elements {
                match e {
                    Element::Text(_) => {}
                    Element::Var(v) => check_var(v, form, &mut errors),
                    Element::Connection(c) => check_connection(c, form, &mut errors),
                }
            }
        }
        errors
    }
}

/// A config var's value in `form` (a checkbox left unticked is `false`).
pub fn form_value(v: &VarField, form: &WizardForm) -> String {
    let given = form.get(&var_field(&v.key)).map(|s| s.trim().to_string());
    match (v.data_type.as_str(), given) {
        ("boolean", None) => "false".to_string(),
        ("boolean", Some(s)) if s == "on" => "true".to_string(),
        (_, Some(s)) => s,
        (_, None) => String::new(),
    }
}

/// A list's lines, trimmed, blank ones left out.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty())
}

/// The value stored for `v` from its form text: a value list (one value per line) as a JSON
/// array, a key/value list (`key=value` per line) as a JSON array of `{key, value}`.
pub fn stored_value(v: &VarField, text: &str) -> String {
    match v.collection_type.as_deref() {
        Some("valuelist") => serde_json::Value::from(lines(text).collect::<Vec<_>>()).to_string(),
        Some("keyvaluelist") => serde_json::Value::from(
            lines(text)
                .map(|l| {
                    let (k, v) = l.split_once('=').unwrap_or((l, ""));
                    serde_json::json!({ "key": k.trim(), "value": v.trim() })
                })
                .collect::<Vec<_>>(),
        )
        .to_string(),
        _ => text.to_string(),
    }
}

/// The form text of a stored value of `v` (the inverse of [`stored_value`]).
pub fn form_text(v: &VarField, stored: &str) -> String {
    let parsed: Option<Vec<serde_json::Value>> = serde_json::from_str(stored).ok();
    match (v.collection_type.as_deref(), parsed) {
        (Some("valuelist"), Some(items)) => items
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| x.to_string())
            })
            .collect::<Vec<_>>()
            .join("\n"),
        (Some("keyvaluelist"), Some(items)) => items
            .iter()
            .map(|x| {
                format!(
                    "{}={}",
                    x["key"].as_str().unwrap_or_default(),
                    x["value"].as_str().unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
        _ => stored.to_string(),
    }
}

fn check_var(v: &VarField, form: &WizardForm, errors: &mut FieldErrors) {
    let field = var_field(&v.key);
    let value = form_value(v, form);
    if value.is_empty() {
        if v.required {
            errors.add(field, format!("{} is required", v.key));
        }
        return;
    }
    if v.collection_type.is_some() {
        return;
    }
    if !v.pick_list.is_empty() && !v.pick_list.contains(&value) {
        errors.add(
            field,
            format!("{} must be one of {}", v.key, v.pick_list.join(", ")),
        );
        return;
    }
    if let Some(t) = DataType::parse(&v.data_type) {
        if let Err(e) = t.validate(&value) {
            errors.add(field, format!("{} {e}", v.key));
        }
    }
}

fn check_connection(c: &ConnectionField, form: &WizardForm, errors: &mut FieldErrors) {
    for i in &c.inputs {
        let given = form
            .get(&input_field(&c.key, &i.name))
            .map(|s| s.trim())
            .unwrap_or("");
        if given.is_empty() && i.required && !i.is_set {
            errors.add(
                input_field(&c.key, &i.name),
                format!("{}: {} is required", c.key, i.label),
            );
        }
    }
}

/// The inputs of connection type `ty` a customer fills in for `var` (all of an inline one).
fn input_views(
    ty: &'static ConnectionType,
    var: Option<&ScopedVar>,
    shown: &[InputView],
) -> Vec<InputView> {
    ty.inputs()
        .filter(|i| {
            var.is_none_or(|v| v.input_scope(i.key) != plumb_store::connections::InputScope::Global)
        })
        .map(|i| {
            shown
                .iter()
                .find(|s| s.name == i.key)
                .cloned()
                .unwrap_or(InputView {
                    name: i.key.to_string(),
                    label: i.label.to_string(),
                    scope: plumb_store::connections::InputScope::Customer,
                    secret: i.secret,
                    required: i.required && i.default.is_none(),
                    is_set: false,
                    value: i.default.map(str::to_string),
                })
        })
        .collect()
}

impl Services {
    /// The wizard the SDK asks for: an instance of the customer's, or a marketplace
    /// integration, which opens the customer's instance of it when it has one and may not
    /// have more, else a new instance of its latest version (when it is deployable).
    pub async fn open_wizard(
        &self,
        caller: &Caller,
        request: WizardRequest,
    ) -> Result<Wizard, ServiceError> {
        let integration_id = match request {
            WizardRequest::Instance(id) => {
                let id = id.ok_or(ServiceError::NotFound("Instance"))?;
                return self.wizard(caller, WizardTarget::Instance(id)).await;
            }
            WizardRequest::Integration(id) => {
                let id = id.ok_or(ServiceError::NotFound("Integration"))?;
                match self.store.get_integration(caller.org_id, id).await {
                    Ok(r) => Some(r.integration_id),
                    Err(StoreError::NotFound) => None,
                    Err(e) => return Err(e.into()),
                }
            }
            WizardRequest::IntegrationName(_) => None,
        };
        let items = self.marketplace(caller, "").await?;
        let item = match (&request, integration_id) {
            (WizardRequest::IntegrationName(name), _) => {
                items.iter().find(|i| &i.version.name == name).or_else(|| {
                    items
                        .iter()
                        .find(|i| i.version.name.eq_ignore_ascii_case(name))
                })
            }
            (_, Some(id)) => items.iter().find(|i| i.version.integration_id == id),
            _ => None,
        }
        .ok_or(ServiceError::NotFound("Integration"))?;
        if let Some(existing) = item.instances.first() {
            if !item.deployable() {
                return self
                    .wizard(caller, WizardTarget::Instance(existing.id))
                    .await;
            }
        }
        if !item.deployable() {
            return Err(ServiceError::NotFound("Integration"));
        }
        self.wizard(caller, WizardTarget::Version(item.version.id))
            .await
    }

    /// The wizard of `target` for the caller's customer (a customer user's only).
    async fn wizard(&self, caller: &Caller, target: WizardTarget) -> Result<Wizard, ServiceError> {
        let customer_id = caller.customer_id.ok_or(ServiceError::Forbidden)?;
        let (version_id, instance) = match target {
            WizardTarget::Version(v) => (v, None),
            WizardTarget::Instance(id) => {
                let i = self
                    .visible_instance(caller, Some(id))
                    .await?
                    .ok_or(ServiceError::NotFound("Instance"))?;
                (i.integration_version_id, Some(i))
            }
        };
        let version = match self.store.get_integration(caller.org_id, version_id).await {
            Ok(v) if v.is_published => v,
            Ok(_) | Err(StoreError::NotFound) => return Err(ServiceError::NotFound("Integration")),
            Err(e) => return Err(e.into()),
        };
        let def = self
            .runtime
            .version_definition(caller.org_id, version.id)
            .await
            .map_err(|_| ServiceError::NotFound("Integration"))?;
        let customer = self.customer(caller, Some(customer_id)).await?;
        let current: BTreeMap<String, String> = match &instance {
            Some(i) => self
                .store
                .instance_bindings(caller.org_id, i.id)
                .await?
                .into_iter()
                .filter(|b| b.kind == BindingKind::Value)
                .filter_map(|b| b.value.map(|v| (b.key, v)))
                .collect(),
            None => BTreeMap::new(),
        };
        let pages = self.pages(caller, customer_id, &def, &current).await?;
        Ok(Wizard {
            version,
            customer,
            instance,
            pages,
            read_only: !caller.has(plumb_store::tokens::Role::Deployer),
        })
    }

    /// The element of config var `decl` for the customer, `None` when it is not theirs to see.
    async fn element(
        &self,
        caller: &Caller,
        customer: Uuid,
        decl: &ConfigVarDecl,
        current: &BTreeMap<String, String>,
    ) -> Result<Option<Element>, ServiceError> {
        if is_org_only(decl) {
            return Ok(None);
        }
        if !decl.is_connection() {
            let value = current
                .get(&decl.key)
                .cloned()
                .or_else(|| default_text(decl))
                .unwrap_or_default();
            return Ok(Some(Element::Var(VarField {
                key: decl.key.clone(),
                data_type: decl.data_type.clone().unwrap_or_else(|| "string".into()),
                description: decl.description.clone(),
                pick_list: pick_list(decl),
                collection_type: decl.collection_type.clone(),
                code_language: decl
                    .extra
                    .get("codeLanguage")
                    .and_then(|v| v.as_str())
                    .map(str::to_string),
                required: default_text(decl).is_none(),
                value,
            })));
        }
        let reference = decl
            .connection
            .as_ref()
            .map(|c| format!("{}/{}", c.component.key, c.key))
            .unwrap_or_default();
        let Some(ty) = find_connection_type(&reference) else {
            return Ok(None);
        };
        match &decl.use_scoped_config_var {
            None => Ok(Some(Element::Connection(ConnectionField {
                key: decl.key.clone(),
                description: decl.description.clone(),
                connection_type: ty,
                kind: ConnectionKind::Inline,
                inputs: input_views(ty, None, &[]),
            }))),
            Some(stable_key) => {
                let Some(var) = self
                    .store
                    .find_scoped_var(caller.org_id, stable_key)
                    .await?
                else {
                    return Ok(None);
                };
                // Only a customer-activated connection is the customer's to fill in.
                if var.managed_by != ManagedBy::Customer
                    || var.variable_scope != VariableScope::Customer
                {
                    return Ok(None);
                }
                let (_, shown) = self.connection_values(caller, &var, customer).await?;
                let inputs = input_views(ty, Some(&var), &shown);
                Ok(Some(Element::Connection(ConnectionField {
                    key: decl.key.clone(),
                    description: decl.description.clone(),
                    connection_type: ty,
                    kind: ConnectionKind::Customer(var),
                    inputs,
                })))
            }
        }
    }

    async fn pages(
        &self,
        caller: &Caller,
        customer: Uuid,
        def: &Arc<Definition>,
        current: &BTreeMap<String, String>,
    ) -> Result<Vec<Page>, ServiceError> {
        let mut placed = std::collections::BTreeSet::new();
        let mut pages = vec![];
        for p in def.config_pages.iter().flatten() {
            let mut elements = vec![];
            for e in &p.elements {
                match e.kind.as_str() {
                    "configVar" => {
                        let Some(decl) = e.value.as_str().and_then(|k| def.config_var(k)) else {
                            continue;
                        };
                        placed.insert(decl.key.clone());
                        if let Some(el) = self.element(caller, customer, decl, current).await? {
                            elements.push(el);
                        }
                    }
                    "htmlElement" => {
                        let text = html_text(e.value.as_str().unwrap_or(""));
                        if !text.is_empty() {
                            elements.push(Element::Text(text));
                        }
                    }
                    _ => {}
                }
            }
            if elements.iter().any(|e| !matches!(e, Element::Text(_))) {
                pages.push(Page {
                    name: p.name.clone(),
                    tagline: p
                        .extra
                        .get("tagline")
                        .and_then(|v| v.as_str())
                        .map(str::to_string),
                    elements,
                });
            }
        }
        let mut rest = vec![];
        for decl in &def.required_config_vars {
            if placed.contains(&decl.key) {
                continue;
            }
            if let Some(el) = self.element(caller, customer, decl, current).await? {
                rest.push(el);
            }
        }
        if !rest.is_empty() {
            pages.push(Page {
                name: "Configuration".to_string(),
                tagline: None,
                elements: rest,
            });
        }
        Ok(pages)
    }

    /// Removes the instance a wizard reconfigures (its `instanceRemove` flows run first, as
    /// for any deletion); the customer's own instances only, never from a read-only wizard.
    pub async fn remove_wizard_instance(
        &self,
        caller: &Caller,
        wizard: &Wizard,
    ) -> Result<Instance, ServiceError> {
        if wizard.read_only {
            return Err(ServiceError::Forbidden);
        }
        let instance = wizard.instance.as_ref().ok_or_else(|| {
            ServiceError::invalid("instanceId", "the integration is not deployed")
        })?;
        self.delete_instance(caller, Some(instance.id)).await
    }

    /// Checks every page of `form`, stores the customer's connection values, creates (or
    /// rebinds) the instance and deploys it. Invalid input changes nothing but connection
    /// values already checked.
    pub async fn deploy_wizard(
        &self,
        caller: &Caller,
        wizard: &Wizard,
        form: &WizardForm,
    ) -> Result<(Instance, bool), ServiceError> {
        if wizard.read_only {
            return Err(ServiceError::Forbidden);
        }
        let errors = wizard.check(None, form);
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let mut bindings = vec![];
        for v in wizard.vars() {
            let value = stored_value(v, &form_value(v, form));
            if value.is_empty() {
                continue;
            }
            bindings.push(BindingInput {
                key: v.key.clone(),
                value: Some(value),
                values: None,
                customer_config_variable: None,
                organization_config_variable: None,
                scoped_config_variable: None,
            });
        }
        for c in wizard.connections() {
            let given: Vec<(String, String)> = c
                .inputs
                .iter()
                .filter_map(|i| {
                    let v = form.get(&input_field(&c.key, &i.name))?.trim().to_string();
                    (!v.is_empty()).then(|| (i.name.clone(), v))
                })
                .collect();
            match &c.kind {
                ConnectionKind::Inline => {
                    let object: serde_json::Map<String, serde_json::Value> = given
                        .into_iter()
                        .map(|(k, v)| (k, serde_json::Value::String(v)))
                        .collect();
                    bindings.push(BindingInput {
                        key: c.key.clone(),
                        value: None,
                        values: Some(serde_json::Value::Object(object).to_string()),
                        customer_config_variable: None,
                        organization_config_variable: None,
                        scoped_config_variable: None,
                    });
                }
                ConnectionKind::Customer(var) => {
                    if given.is_empty() {
                        continue;
                    }
                    let inputs: Vec<ConnInput> = given
                        .into_iter()
                        .map(|(name, value)| ConnInput {
                            name,
                            input_type: None,
                            value: Some(value),
                            meta: None,
                        })
                        .collect();
                    self.set_connection_values(
                        caller,
                        Some(var.id),
                        Target::Customer(Some(wizard.customer.id)),
                        &inputs,
                        false,
                    )
                    .await?;
                }
            }
        }
        let (instance, created) = match &wizard.instance {
            Some(i) => (
                self.update_instance_config_vars(caller, Some(i.id), &bindings, &[])
                    .await?,
                false,
            ),
            None => {
                let name = form
                    .get("name")
                    .map(|n| n.trim().to_string())
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| wizard.version.name.clone());
                let input = InstanceInput {
                    name,
                    description: String::new(),
                    customer: Some(wizard.customer.id),
                    integration: Some(wizard.version.id),
                    worker_group: None,
                    config_variables: bindings,
                };
                (self.create_instance(caller, input).await?, true)
            }
        };
        let deployed = self.deploy_instance(caller, Some(instance.id)).await?;
        Ok((deployed, created))
    }
}
