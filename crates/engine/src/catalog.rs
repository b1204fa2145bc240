//! The component catalog: the one registry of components, built once per process. It holds
//! plumb's built-ins (every organization sees them) and the components organizations add at run
//! time (integration models now, custom components later), each seen only by its organization:
//! another organization's component is "not found", exactly like an unknown key.
//!
//! Definition validation, the engine's compiler, the API's `components` and the docs read it
//! through a [`CatalogView`], the catalog as one caller sees it. A view is a snapshot (two
//! `Arc`s): holding one takes no lock, and a component added later shows in the next view.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use plumb_core::action::Action;
use plumb_core::component::{Component, ComponentLookup, ComponentSpec, Scope};
use uuid::Uuid;

type Components = BTreeMap<String, Arc<Component>>;

/// Why a component was refused by the catalog.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// Two built-ins, or a component and a built-in, share a key.
    #[error("component key `{0}` is already taken by a built-in component")]
    KeyTaken(String),
    /// Its spec does not match its implementations (or has duplicate keys).
    #[error("{0}")]
    Inconsistent(String),
    /// A run-time component's spec names another scope than the organization adding it.
    #[error("component `{0}` is not scoped to this organization")]
    WrongScope(String),
}

/// The one registry of components.
#[derive(Default)]
pub struct Catalog {
    builtins: Arc<Components>,
    organizations: RwLock<HashMap<Uuid, Arc<Components>>>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("builtins", &self.builtins.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Catalog {
    /// A catalog of `builtins`; each is checked ([`Component::check`]) and keys are unique.
    pub fn new(builtins: Vec<Component>) -> Result<Catalog, CatalogError> {
        let mut map = Components::new();
        for c in builtins {
            c.check().map_err(CatalogError::Inconsistent)?;
            let key = c.spec().key.clone();
            if map.insert(key.clone(), Arc::new(c)).is_some() {
                return Err(CatalogError::KeyTaken(key));
            }
        }
        Ok(Catalog {
            builtins: Arc::new(map),
            organizations: RwLock::new(HashMap::new()),
        })
    }

    /// Adds (or replaces) a component of `organization`. Its key may not be a built-in's.
    pub fn add(&self, organization: Uuid, component: Component) -> Result<(), CatalogError> {
        let key = component.spec().key.clone();
        if component.spec().scope != Scope::Organization(organization) {
            return Err(CatalogError::WrongScope(key));
        }
        if self.builtins.contains_key(&key) {
            return Err(CatalogError::KeyTaken(key));
        }
        component.check().map_err(CatalogError::Inconsistent)?;
        let mut orgs = self
            .organizations
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut own: Components = orgs
            .get(&organization)
            .map(|m| (**m).clone())
            .unwrap_or_default();
        own.insert(key, Arc::new(component));
        orgs.insert(organization, Arc::new(own));
        Ok(())
    }

    /// Removes a component of `organization`; whether it was there.
    pub fn remove(&self, organization: Uuid, key: &str) -> bool {
        let mut orgs = self
            .organizations
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(current) = orgs.get(&organization) else {
            return false;
        };
        if !current.contains_key(key) {
            return false;
        }
        let mut own = (**current).clone();
        own.remove(key);
        orgs.insert(organization, Arc::new(own));
        true
    }

    /// The catalog as `organization` sees it (`None`: built-ins only, e.g. `plumb run`).
    pub fn view(&self, organization: Option<Uuid>) -> CatalogView {
        let own = organization.and_then(|org| {
            self.organizations
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .get(&org)
                .cloned()
        });
        CatalogView {
            builtins: Arc::clone(&self.builtins),
            own,
        }
    }

    /// The built-in components' specs, by key.
    pub fn builtins(&self) -> impl Iterator<Item = &ComponentSpec> {
        self.builtins.values().map(|c| c.spec())
    }
}

/// The catalog as one caller sees it: the built-ins and the caller's organization's own.
#[derive(Clone)]
pub struct CatalogView {
    builtins: Arc<Components>,
    own: Option<Arc<Components>>,
}

impl CatalogView {
    /// The component `key` with its implementations.
    pub fn get(&self, key: &str) -> Option<&Arc<Component>> {
        self.builtins
            .get(key)
            .or_else(|| self.own.as_ref().and_then(|o| o.get(key)))
    }

    /// The implementation of `component`'s `action`.
    pub fn action(&self, component: &str, action: &str) -> Option<Arc<dyn Action>> {
        self.get(component)?.action(action).cloned()
    }

    /// Every component the caller sees, by key.
    pub fn specs(&self) -> Vec<&ComponentSpec> {
        let mut all: Vec<&ComponentSpec> = self.builtins.values().map(|c| c.spec()).collect();
        if let Some(own) = &self.own {
            all.extend(own.values().map(|c| c.spec()));
        }
        all.sort_by(|a, b| a.key.cmp(&b.key));
        all
    }
}

impl ComponentLookup for CatalogView {
    fn component(&self, key: &str) -> Option<&ComponentSpec> {
        self.get(key).map(|c| c.spec())
    }

    fn keys(&self) -> Vec<&str> {
        self.specs().into_iter().map(|c| c.key.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plumb_core::action::{ActionContext, ActionError, Data, Inputs};
    use plumb_core::component::ActionSpec;
    use serde_json::json;

    struct Echo;

    #[async_trait::async_trait]
    impl Action for Echo {
        async fn run(&self, _ctx: &ActionContext, _inputs: Inputs) -> Result<Data, ActionError> {
            Ok(Data::Json(json!("echo")))
        }
    }

    fn own(org: Uuid, key: &str) -> Component {
        let mut spec = ComponentSpec::builtin(key, key, "an organization's component")
            .action(ActionSpec::new("ping", "Ping", "", Vec::new()));
        spec.scope = Scope::Organization(org);
        Component::new(spec).with_action("ping", Arc::new(Echo))
    }

    fn catalog() -> Catalog {
        Catalog::new(crate::builtins::components()).unwrap()
    }

    const DEF: &str = "name: T\ndefinitionVersion: 7\nflows:\n  - name: F\n    steps:\n      - name: Trigger\n        isTrigger: true\n        action: {key: webhook, component: {key: webhook-triggers}}\n      - name: Ping\n        action: {key: ping, component: {key: petstore}}\n        inputs: {}\n";

    #[test]
    fn an_organizations_component_is_seen_by_it_only() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let c = catalog();
        c.add(a, own(a, "petstore")).unwrap();
        assert!(c.view(Some(a)).get("petstore").is_some());
        assert!(c.view(Some(b)).get("petstore").is_none());
        assert!(c.view(None).get("petstore").is_none());
        assert!(c.view(Some(a)).keys().contains(&"petstore"));
        assert!(!c.view(Some(b)).keys().contains(&"petstore"));

        let engine = crate::Engine::new(Arc::new(c));
        assert!(engine.load_in(Some(a), DEF).is_ok());
        let refused = engine.load_in(Some(b), DEF).unwrap_err().to_string();
        assert!(
            refused.contains("unknown component `petstore`"),
            "{refused}"
        );
        assert!(
            !refused.contains("petstore,"),
            "another organization's key is listed: {refused}"
        );
        assert!(engine.load(DEF).is_err());
    }

    #[tokio::test]
    async fn a_flow_runs_an_organizations_component_for_that_organization_only() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let c = catalog();
        c.add(a, own(a, "petstore")).unwrap();
        let engine = crate::Engine::new(Arc::new(c));
        let def = engine.load_in(Some(a), DEF).unwrap();
        let mut request = crate::RunRequest::new("F");
        request.organization = Some(a);
        let ok = engine.run(&def, request).await;
        assert!(ok.is_success(), "{:?}", ok.error);
        assert_eq!(ok.result, Some(Data::Json(json!("echo"))));
        let mut other = crate::RunRequest::new("F");
        other.organization = Some(b);
        let refused = engine.run(&def, other).await;
        assert!(!refused.is_success());
    }

    #[test]
    fn refused_components() {
        let org = Uuid::now_v7();
        let c = catalog();
        assert_eq!(
            c.add(org, own(org, "http-triggers-is-free")).map(|_| ()),
            Ok(())
        );
        assert_eq!(
            c.add(org, own(org, "loop")),
            Err(CatalogError::KeyTaken("loop".into()))
        );
        assert_eq!(
            c.add(org, own(Uuid::now_v7(), "x")),
            Err(CatalogError::WrongScope("x".into()))
        );
        let mut spec = ComponentSpec::builtin("y", "y", "").action(ActionSpec::new(
            "ping",
            "Ping",
            "",
            Vec::new(),
        ));
        spec.scope = Scope::Organization(org);
        assert!(matches!(
            c.add(org, Component::new(spec)),
            Err(CatalogError::Inconsistent(_))
        ));
        assert!(c.remove(org, "http-triggers-is-free"));
        assert!(!c.remove(org, "http-triggers-is-free"));
        assert!(c.view(Some(org)).get("http-triggers-is-free").is_none());
    }

    #[test]
    fn the_builtins_are_consistent() {
        let c = catalog();
        let keys: Vec<&str> = c.builtins().map(|s| s.key.as_str()).collect();
        assert_eq!(keys.len(), 9, "{keys:?}");
        assert!(Catalog::new(vec![
            crate::builtins::components().remove(0),
            crate::builtins::components().remove(0)
        ])
        .is_err());
    }
}
