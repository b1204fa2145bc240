//! Manifests of the engine-owned components. Keys, actions and input names follow Prismatic's
//! public components, so exported definitions validate unchanged.

use plumb_core::component::{ActionManifest, ComponentManifest, InputKind, InputManifest};

const fn input(
    key: &'static str,
    label: &'static str,
    kind: InputKind,
    required: bool,
) -> InputManifest {
    InputManifest {
        key,
        label,
        kind,
        required,
        default: None,
    }
}

const fn action(
    key: &'static str,
    label: &'static str,
    description: &'static str,
    inputs: &'static [InputManifest],
    is_trigger: bool,
) -> ActionManifest {
    ActionManifest {
        key,
        label,
        description,
        inputs,
        is_trigger,
    }
}

static WEBHOOK_INPUTS: &[InputManifest] = &[
    input("body", "Response body", InputKind::Data, false),
    input(
        "contentType",
        "Response content type",
        InputKind::String,
        false,
    ),
    input("headers", "Response headers", InputKind::List, false),
    input(
        "statusCode",
        "Response status code",
        InputKind::String,
        false,
    ),
];

static WEBHOOK: &[ActionManifest] = &[action(
    "webhook",
    "Webhook",
    "Starts the flow when its webhook URL is called; the result is the request.",
    WEBHOOK_INPUTS,
    true,
)];

static SCHEDULE: &[ActionManifest] = &[action(
    "schedule",
    "Schedule",
    "Starts the flow on the step's `schedule` (a cron expression).",
    &[],
    true,
)];

static MANAGEMENT: &[ActionManifest] = &[
    action(
        "instanceDeploy",
        "Instance Deploy",
        "Starts the flow when an instance is deployed.",
        &[],
        true,
    ),
    action(
        "instanceRemove",
        "Instance Remove",
        "Starts the flow when an instance is removed.",
        &[],
        true,
    ),
];

static LOOP_ITEMS: &[InputManifest] = &[input("items", "Items", InputKind::Data, true)];
static LOOP_N: &[InputManifest] = &[input(
    "iterationCount",
    "Iteration count",
    InputKind::Number,
    true,
)];

static LOOP: &[ActionManifest] = &[
    action(
        "loopOverItems",
        "Loop Over Items",
        "Runs the step's `steps` once per item of a list (`<loop>.currentItem`, `<loop>.index`).",
        LOOP_ITEMS,
        false,
    ),
    action(
        "loopNTimes",
        "Loop N Times",
        "Runs the step's `steps` `iterationCount` times (`<loop>.index`).",
        LOOP_N,
        false,
    ),
    action(
        "breakLoop",
        "Break Loop",
        "Ends the innermost loop.",
        &[],
        false,
    ),
];

static BRANCH_EXPR: &[InputManifest] = &[input("conditions", "Conditions", InputKind::List, true)];
static BRANCH_VALUE: &[InputManifest] = &[
    input("inputValue", "Input value", InputKind::Data, true),
    input(
        "branchValueMappings",
        "Branch value mappings",
        InputKind::List,
        true,
    ),
];

static BRANCH: &[ActionManifest] = &[
    action(
        "branchOnExpression",
        "Branch on Expression",
        "Runs the first branch whose condition holds, else the `Else` branch.",
        BRANCH_EXPR,
        false,
    ),
    action(
        "branchOnValue",
        "Branch on Value",
        "Runs the branch whose mapped value equals `inputValue`, else the `Else` branch.",
        BRANCH_VALUE,
        false,
    ),
];

static STOP_INPUTS: &[InputManifest] = &[
    input("statusCode", "Status code", InputKind::String, false),
    input("contentType", "Content type", InputKind::String, false),
    input("headers", "Headers", InputKind::List, false),
    input("jsonBody", "Body", InputKind::Data, false),
];

static STOP: &[ActionManifest] = &[action(
    "stopExecution",
    "Stop Execution",
    "Ends the execution successfully; a synchronous call answers with the given response.",
    STOP_INPUTS,
    false,
)];

static KEY: &[InputManifest] = &[input("keyInput", "Key", InputKind::String, true)];
static KEY_VALUE: &[InputManifest] = &[
    input("keyInput", "Key", InputKind::String, true),
    input("valueInput", "Value", InputKind::Data, true),
];
static KEY_DEFAULT: &[InputManifest] = &[
    input("keyInput", "Key", InputKind::String, true),
    input("defaultValueInput", "Default value", InputKind::Data, false),
];

static PERSIST: &[ActionManifest] = &[
    action(
        "saveInstanceValue",
        "Save Instance Value",
        "Saves a value in the instance flow's state.",
        KEY_VALUE,
        false,
    ),
    action(
        "getInstanceValue",
        "Get Instance Value",
        "Reads a value of the instance flow's state.",
        KEY_DEFAULT,
        false,
    ),
    action(
        "removeInstanceValue",
        "Remove Instance Value",
        "Removes a value of the instance flow's state.",
        KEY,
        false,
    ),
    action(
        "saveCrossFlowValue",
        "Save Cross-Flow Value",
        "Saves a value shared by the instance's flows.",
        KEY_VALUE,
        false,
    ),
    action(
        "getCrossFlowValue",
        "Get Cross-Flow Value",
        "Reads a value shared by the instance's flows.",
        KEY_DEFAULT,
        false,
    ),
];

/// The manifests of the engine-owned components: `webhook-triggers`, `schedule-triggers`,
/// `management-triggers`, `loop`, `branch`, `stop-execution`, `persist-data`.
pub fn builtin_manifests() -> Vec<ComponentManifest> {
    vec![
        ComponentManifest {
            key: "webhook-triggers",
            label: "Webhook",
            description: "Starts a flow from an HTTP request to its webhook URL.",
            actions: WEBHOOK,
            connections: &[],
        },
        ComponentManifest {
            key: "schedule-triggers",
            label: "Schedule",
            description: "Starts a flow on a schedule.",
            actions: SCHEDULE,
            connections: &[],
        },
        ComponentManifest {
            key: "management-triggers",
            label: "Management Triggers",
            description: "Starts a flow on instance lifecycle events.",
            actions: MANAGEMENT,
            connections: &[],
        },
        ComponentManifest {
            key: "loop",
            label: "Loop",
            description: "Repeats steps over a list or a number of times.",
            actions: LOOP,
            connections: &[],
        },
        ComponentManifest {
            key: "branch",
            label: "Branch",
            description: "Chooses which steps run.",
            actions: BRANCH,
            connections: &[],
        },
        ComponentManifest {
            key: "stop-execution",
            label: "Stop Execution",
            description: "Ends an execution early.",
            actions: STOP,
            connections: &[],
        },
        ComponentManifest {
            key: "persist-data",
            label: "Persist Data",
            description: "Keeps values between executions.",
            actions: PERSIST,
            connections: &[],
        },
    ]
}
