//! Validation of a parsed definition against the component manifests. Every problem is
//! collected; nothing stops at the first one.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::model::{Definition, Flow, Input, Step};
use super::problems::{Problem, ProblemKind};
use super::yaml::{escape_segment, Spans};
use crate::component::ComponentLookup;
use crate::expr::{camel_case, Expr, RefTarget};

/// The loop component and its actions, known to the validator for control-flow checks.
const LOOP: &str = "loop";
const BRANCH: &str = "branch";

struct Validator<'a> {
    spans: &'a Spans,
    components: &'a dyn ComponentLookup,
    declared: HashSet<&'a str>,
    problems: Vec<Problem>,
}

/// Where a step sits, for problem locations.
struct At<'a> {
    flow: &'a str,
    step: &'a str,
    pointer: &'a str,
}

impl<'a> Validator<'a> {
    fn push(&mut self, kind: ProblemKind, message: String, pointer: String) -> &mut Problem {
        let pos = self.spans.find(&pointer);
        self.problems
            .push(Problem::new(kind, message, pointer, pos));
        let last = self.problems.len() - 1;
        &mut self.problems[last]
    }

    fn at_step(
        &mut self,
        kind: ProblemKind,
        message: String,
        at: &At<'_>,
        suffix: &str,
        input: Option<&str>,
    ) {
        let pointer = format!("{}{suffix}", at.pointer);
        let p = self.push(kind, message, pointer);
        p.flow = Some(at.flow.to_string());
        p.step = Some(at.step.to_string());
        p.input = input.map(str::to_string);
    }

    fn config_vars(&mut self, def: &'a Definition) {
        let mut seen = HashSet::new();
        for (i, cv) in def.required_config_vars.iter().enumerate() {
            let pointer = format!("/requiredConfigVars/{i}");
            if !seen.insert(cv.key.as_str()) {
                self.push(
                    ProblemKind::DuplicateConfigVar,
                    format!("config var `{}` is declared twice", cv.key),
                    format!("{pointer}/key"),
                );
            }
            if let Some(conn) = &cv.connection {
                match self.components.component(conn.component.key.as_str()) {
                    None => {
                        self.push(
                            ProblemKind::UnknownComponent,
                            format!(
                                "connection `{}` uses unknown component `{}`",
                                cv.key, conn.component.key
                            ),
                            format!("{pointer}/connection/component/key"),
                        );
                    }
                    Some(m) if m.connection(&conn.key).is_none() => {
                        self.push(
                            ProblemKind::UnknownConnection,
                            format!(
                                "component `{}` has no connection type `{}` (it has: {})",
                                conn.component.key,
                                conn.key,
                                m.connections
                                    .iter()
                                    .map(|c| c.key.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                            format!("{pointer}/connection/key"),
                        );
                    }
                    Some(_) => {}
                }
            } else if cv.is_connection() && cv.use_scoped_config_var.is_none() {
                self.push(
                    ProblemKind::Structure,
                    format!(
                        "connection `{}` needs `connection: {{key, component}}` or `useScopedConfigVar`",
                        cv.key
                    ),
                    pointer.clone(),
                );
            }
        }
        for (pi, page) in def.config_pages.iter().flatten().enumerate() {
            for (ei, el) in page.elements.iter().enumerate() {
                if el.kind != "configVar" {
                    continue;
                }
                let key = el.value.as_str().unwrap_or_default();
                if !self.declared.contains(key) {
                    self.push(
                        ProblemKind::UndeclaredConfigVar,
                        format!(
                            "config page `{}` shows undeclared config var `{key}`",
                            page.name
                        ),
                        format!("/configPages/{pi}/elements/{ei}/value"),
                    );
                }
            }
        }
    }

    fn flow(&mut self, fi: usize, flow: &'a Flow) {
        let pointer = format!("/flows/{fi}");
        if flow.steps.is_empty() {
            let p = self.push(
                ProblemKind::Trigger,
                "the flow has no steps".into(),
                pointer.clone(),
            );
            p.flow = Some(flow.name.clone());
            return;
        }
        // Names: every step of the flow, nested ones included, by camelCased name.
        let mut all: HashMap<String, (&'a Step, String)> = HashMap::new();
        let mut dupes = Vec::new();
        collect(
            &flow.steps,
            &format!("{pointer}/steps"),
            &mut all,
            &mut dupes,
        );
        for (step, ptr, other) in dupes {
            let at = At {
                flow: &flow.name,
                step: &step.name,
                pointer: &ptr,
            };
            self.at_step(
                ProblemKind::DuplicateStepName,
                format!(
                    "step name `{}` is used twice in this flow (as `{}` here and `{other}` before); references need unique names",
                    camel_case(&step.name),
                    step.name
                ),
                &at,
                "/name",
                None,
            );
        }
        // The trigger: the first step, and only it.
        for (si, step) in flow.steps.iter().enumerate() {
            let is_trigger =
                step.is_trigger == Some(true) || (si == 0 && self.is_trigger_action(step));
            let ptr = format!("{pointer}/steps/{si}");
            let at = At {
                flow: &flow.name,
                step: &step.name,
                pointer: &ptr,
            };
            if si == 0 && !is_trigger {
                self.at_step(
                    ProblemKind::Trigger,
                    "the first step of a flow must be its trigger (`isTrigger: true`)".into(),
                    &at,
                    "",
                    None,
                );
            } else if si > 0 && step.is_trigger == Some(true) {
                self.at_step(
                    ProblemKind::Trigger,
                    "only the first step of a flow can be its trigger".into(),
                    &at,
                    "/isTrigger",
                    None,
                );
            }
        }
        let names: HashSet<String> = all.keys().cloned().collect();
        let mut visible = HashSet::new();
        let mut loops = Vec::new();
        self.steps(
            &flow.name,
            &flow.steps,
            &format!("{pointer}/steps"),
            &names,
            &mut visible,
            &mut loops,
        );
    }

    fn is_trigger_action(&self, step: &Step) -> bool {
        self.components
            .component(step.action.component.key.as_str())
            .and_then(|m| m.find_action(&step.action.key))
            .is_some_and(|a| a.is_trigger)
    }

    fn steps(
        &mut self,
        flow: &str,
        steps: &'a [Step],
        pointer: &str,
        names: &HashSet<String>,
        visible: &mut HashSet<String>,
        loops: &mut Vec<String>,
    ) {
        for (si, step) in steps.iter().enumerate() {
            let ptr = format!("{pointer}/{si}");
            let at = At {
                flow,
                step: &step.name,
                pointer: &ptr,
            };
            self.step(step, &at, names, visible, loops);
            let camel = camel_case(&step.name);
            visible.insert(camel.clone());
            if let Some(children) = &step.steps {
                loops.push(camel);
                self.steps(
                    flow,
                    children,
                    &format!("{ptr}/steps"),
                    names,
                    visible,
                    loops,
                );
                loops.pop();
            }
            if let Some(branches) = &step.branches {
                let before = visible.clone();
                for (bi, branch) in branches.iter().enumerate() {
                    let mut inside = before.clone();
                    let bp = format!("{ptr}/branches/{bi}/steps");
                    self.steps(flow, &branch.steps, &bp, names, &mut inside, loops);
                    visible.extend(inside);
                }
            }
        }
    }

    fn step(
        &mut self,
        step: &'a Step,
        at: &At<'_>,
        names: &HashSet<String>,
        visible: &HashSet<String>,
        loops: &[String],
    ) {
        let component = step.action.component.key.as_str();
        let action = match self.components.component(component) {
            None => {
                let known = self.components.keys();
                self.at_step(
                    ProblemKind::UnknownComponent,
                    format!(
                        "unknown component `{component}` (known: {})",
                        known.join(", ")
                    ),
                    at,
                    "/action/component/key",
                    None,
                );
                None
            }
            Some(m) => match m.find_action(&step.action.key) {
                None => {
                    let known: Vec<&str> = m.actions.iter().map(|a| a.key.as_str()).collect();
                    self.at_step(
                        ProblemKind::UnknownAction,
                        format!(
                            "component `{component}` has no action `{}` (it has: {})",
                            step.action.key,
                            known.join(", ")
                        ),
                        at,
                        "/action/key",
                        None,
                    );
                    None
                }
                Some(a) => Some(a),
            },
        };
        if let Some(action) = action {
            for input in &action.inputs {
                if input.required
                    && input.default.is_none()
                    && !step.inputs.contains_key(input.key.as_str())
                {
                    self.at_step(
                        ProblemKind::MissingInput,
                        format!(
                            "required input `{}` ({}) is missing",
                            input.key, input.label
                        ),
                        at,
                        "/inputs",
                        Some(&input.key),
                    );
                }
            }
            for key in step.inputs.keys() {
                if !action.inputs.iter().any(|i| &i.key == key) {
                    let known: Vec<&str> = action.inputs.iter().map(|i| i.key.as_str()).collect();
                    self.at_step(
                        ProblemKind::UnknownInput,
                        format!(
                            "action `{}` has no input `{key}` (it takes: {})",
                            action.key,
                            known.join(", ")
                        ),
                        at,
                        &format!("/inputs/{}", escape_segment(key)),
                        Some(key),
                    );
                }
            }
        }
        // Control flow.
        let is_loop_action =
            component == LOOP && matches!(step.action.key.as_str(), "loopOverItems" | "loopNTimes");
        if is_loop_action && step.steps.is_none() {
            self.at_step(
                ProblemKind::ControlFlow,
                "a loop step needs `steps`".into(),
                at,
                "",
                None,
            );
        }
        if component == BRANCH && step.branches.as_ref().is_none_or(Vec::is_empty) {
            self.at_step(
                ProblemKind::ControlFlow,
                "a branch step needs `branches`".into(),
                at,
                "",
                None,
            );
        }
        if component == LOOP && step.action.key == "breakLoop" && loops.is_empty() {
            self.at_step(
                ProblemKind::NotInLoop,
                "`breakLoop` outside a loop".into(),
                at,
                "",
                None,
            );
        }
        // A literal schedule must be a cron expression.
        if let Some(schedule) = &step.schedule {
            if schedule.kind == "value" {
                let cron = schedule.value.as_str().unwrap_or_default();
                if let Err(e) = crate::config::DataType::Schedule.validate(cron) {
                    self.at_step(
                        ProblemKind::Schedule,
                        format!("schedule `{cron}` {e}"),
                        at,
                        "/schedule/value",
                        Some("schedule"),
                    );
                }
            }
        }
        // Inputs.
        let mut inputs: Vec<(String, &Input)> = step
            .inputs
            .iter()
            .map(|(k, v)| (format!("/inputs/{}", escape_segment(k)), v))
            .collect();
        if let Some(schedule) = &step.schedule {
            inputs.push(("/schedule".to_string(), schedule));
        }
        for (suffix, input) in inputs {
            let name = suffix
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .replace("~1", "/")
                .replace("~0", "~");
            let expr = match Expr::parse(input) {
                Ok(e) => e,
                Err(e) => {
                    let kind = if e.is_template {
                        ProblemKind::TemplateSyntax
                    } else {
                        ProblemKind::InvalidExpression
                    };
                    self.at_step(
                        kind,
                        e.message,
                        at,
                        &format!("{suffix}{}", e.pointer),
                        Some(&name),
                    );
                    continue;
                }
            };
            self.expr(&expr, at, &suffix, &name, names, visible, loops);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn expr(
        &mut self,
        expr: &Expr,
        at: &At<'_>,
        suffix: &str,
        name: &str,
        names: &HashSet<String>,
        visible: &HashSet<String>,
        loops: &[String],
    ) {
        for r in expr.references() {
            let problem = match r.target {
                RefTarget::Results if !names.contains(&r.step) => Some((
                    ProblemKind::UnknownStep,
                    format!(
                        "`{r}` references step `{}`, which does not exist in this flow",
                        r.step
                    ),
                )),
                RefTarget::Results if !visible.contains(&r.step) => Some((
                    ProblemKind::StepNotEarlier,
                    format!(
                        "`{r}` references step `{}`, which does not run before this step",
                        r.step
                    ),
                )),
                RefTarget::CurrentItem | RefTarget::Index if !loops.contains(&r.step) => {
                    if names.contains(&r.step) {
                        Some((
                            ProblemKind::NotInLoop,
                            format!("`{r}`: step `{}` is not a loop enclosing this step", r.step),
                        ))
                    } else {
                        Some((
                            ProblemKind::UnknownStep,
                            format!(
                                "`{r}` references step `{}`, which does not exist in this flow",
                                r.step
                            ),
                        ))
                    }
                }
                _ => None,
            };
            if let Some((kind, message)) = problem {
                self.at_step(kind, message, at, suffix, Some(name));
            }
        }
        for key in expr.config_vars() {
            if !self.declared.contains(key) {
                self.at_step(
                    ProblemKind::UndeclaredConfigVar,
                    format!("config var `{key}` is not declared in `requiredConfigVars`"),
                    at,
                    suffix,
                    Some(name),
                );
            }
        }
    }
}

/// Collects every step of a flow by camelCased name; repeated names go to `dupes`.
fn collect<'a>(
    steps: &'a [Step],
    pointer: &str,
    all: &mut HashMap<String, (&'a Step, String)>,
    dupes: &mut Vec<(&'a Step, String, String)>,
) {
    for (i, step) in steps.iter().enumerate() {
        let ptr = format!("{pointer}/{i}");
        let camel = camel_case(&step.name);
        if let Some((first, _)) = all.get(&camel) {
            dupes.push((step, ptr.clone(), first.name.clone()));
        } else {
            all.insert(camel, (step, ptr.clone()));
        }
        if let Some(children) = &step.steps {
            collect(children, &format!("{ptr}/steps"), all, dupes);
        }
        for (bi, b) in step.branches.iter().flatten().enumerate() {
            collect(&b.steps, &format!("{ptr}/branches/{bi}/steps"), all, dupes);
        }
    }
}

/// Validates a definition: every problem, in document order.
pub fn validate(def: &Definition, spans: &Spans, components: &dyn ComponentLookup) -> Vec<Problem> {
    let mut v = Validator {
        spans,
        components,
        declared: def
            .required_config_vars
            .iter()
            .map(|c| c.key.as_str())
            .collect(),
        problems: Vec::new(),
    };
    if let Some(version) = def.definition_version {
        if version != 7 {
            v.push(
                ProblemKind::Version,
                format!("definitionVersion {version} is not supported (only 7)"),
                "/definitionVersion".into(),
            );
        }
    }
    v.config_vars(def);
    let mut flow_names: BTreeMap<&str, usize> = BTreeMap::new();
    for (fi, flow) in def.flows.iter().enumerate() {
        if flow_names.insert(flow.name.as_str(), fi).is_some() {
            let p = v.push(
                ProblemKind::DuplicateFlowName,
                format!("flow name `{}` is used twice", flow.name),
                format!("/flows/{fi}/name"),
            );
            p.flow = Some(flow.name.clone());
        }
        v.flow(fi, flow);
    }
    let mut problems = v.problems;
    problems.sort_by_key(|p| (p.line, p.column));
    problems
}
