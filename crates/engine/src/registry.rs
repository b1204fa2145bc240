//! The action registry: which implementation runs each `(component, action)`, and the
//! manifests definitions are validated against. Injected by the caller, so the engine does not
//! depend on the components crate.

use std::collections::HashMap;
use std::sync::Arc;

use plumb_core::action::Action;
use plumb_core::component::ComponentManifest;

/// Looks up action implementations and component manifests.
pub trait ActionRegistry: Send + Sync {
    /// The implementation of `component`'s `action`, if any.
    fn action(&self, component: &str, action: &str) -> Option<Arc<dyn Action>>;
    /// Every component manifest (for validation).
    fn manifests(&self) -> &[ComponentManifest];
}

/// A registry backed by maps; start from [`Registry::with_builtins`] and add the components
/// crate's actions with [`Registry::register`].
#[derive(Default, Clone)]
pub struct Registry {
    actions: HashMap<String, HashMap<String, Arc<dyn Action>>>,
    manifests: Vec<ComponentManifest>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// A registry with the engine-owned components (triggers, loop, branch, stop-execution,
    /// persist-data).
    pub fn with_builtins() -> Self {
        let mut r = Self::new();
        for m in crate::builtins::builtin_manifests() {
            r.add_manifest(m);
        }
        for (component, action, imp) in crate::builtins::builtin_actions() {
            r.register(component, action, imp);
        }
        r
    }

    /// Adds (or replaces) a component manifest.
    pub fn add_manifest(&mut self, manifest: ComponentManifest) -> &mut Self {
        self.manifests.retain(|m| m.key != manifest.key);
        self.manifests.push(manifest);
        self
    }

    /// Registers the implementation of one action.
    pub fn register(
        &mut self,
        component: &str,
        action: &str,
        implementation: Arc<dyn Action>,
    ) -> &mut Self {
        self.actions
            .entry(component.to_string())
            .or_default()
            .insert(action.to_string(), implementation);
        self
    }
}

impl ActionRegistry for Registry {
    fn action(&self, component: &str, action: &str) -> Option<Arc<dyn Action>> {
        self.actions.get(component)?.get(action).cloned()
    }

    fn manifests(&self) -> &[ComponentManifest] {
        &self.manifests
    }
}
