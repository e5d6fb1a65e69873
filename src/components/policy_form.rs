//! The policy editor's fieldsets, one per part of the engine's `Policy`, rendered from a flat
//! form ([`FormFields`]). Defaults (Kubernetes HPA's where HPA has the field) are placeholders
//! and hints, so an empty field visibly means "the default".

use leptos::prelude::*;

use crate::components::policy_fields::{checkbox, input, op_button, select, EditorCtx, Input};
use crate::components::policy_rows::{metrics, pauses, schedules, step_rules};
use crate::model::policy_form::FormFields;

/// Every fieldset of the policy, in the order of the engine's pipeline.
pub fn policy_fieldsets(ctx: EditorCtx, f: &FormFields) -> AnyView {
    view! {
        <fieldset class="panel policy-fieldset" id="fs-bounds">
            <legend>"Bounds"</legend>
            <div class="field-row">
                {input(ctx, f, Input::num("Min replicas", "min_replicas", "min_replicas").placeholder("1")
                    .hint("0 only with an activation threshold"))}
                {input(ctx, f, Input::num("Max replicas", "max_replicas", "max_replicas").placeholder("10"))}
            </div>
        </fieldset>
        {metrics(ctx, f)}
        <fieldset class="panel policy-fieldset" id="fs-tolerance">
            <legend>"Tolerance"</legend>
            <p class="hint">"Dead band around the target in which nothing moves (HPA default 0.1 = 10 %)."</p>
            <div class="field-row">
                {input(ctx, f, Input::num("Scale-up tolerance", "tolerance[scale_up]", "tolerance.scale_up").decimal().placeholder("0.1"))}
                {input(ctx, f, Input::num("Scale-down tolerance", "tolerance[scale_down]", "tolerance.scale_down").decimal().placeholder("0.1"))}
            </div>
        </fieldset>
        {behavior(ctx, f)}
        {step_rules(ctx, f)}
        {schedules(ctx, f)}
        <fieldset class="panel policy-fieldset" id="fs-timing">
            <legend>"Cooldown and warm-up"</legend>
            <div class="field-row">
                {input(ctx, f, Input::num("Scale-up cooldown (s)", "cooldown[scale_up_secs]", "cooldown.scale_up_secs").placeholder("0"))}
                {input(ctx, f, Input::num("Scale-down cooldown (s)", "cooldown[scale_down_secs]", "cooldown.scale_down_secs").placeholder("300"))}
                {input(ctx, f, Input::num("Warm-up (s)", "warmup_secs", "warmup_secs").placeholder("0")
                    .hint("a new instance counts once ready this long"))}
            </div>
        </fieldset>
        {extras(ctx, f)}
        {forecast(ctx, f)}
        {pauses(ctx, f)}
        {advanced(ctx, f)}
    }
    .into_any()
}

/// Predictive scaling: the cloud autoscalers' modes, and what the forecast is sized for.
fn forecast(ctx: EditorCtx, f: &FormFields) -> AnyView {
    view! {
        <fieldset class="panel policy-fieldset" id="fs-forecast">
            <legend>"Predictive scaling"</legend>
            <p class="hint">"Forecasts the metric's workload total (total cores, total req/s) from this workload's own history and adds capacity before the load arrives. It joins the largest proposal, so it never scales in below what the observed load asks for; it waits for its minimum history and says so."</p>
            <div class="field-row">
                {select(ctx, f, "Forecast", "forecast[mode]".into(), "forecast.mode".into(),
                    &[("off", "off"), ("forecast_only", "forecast only (shown, never acted on)"), ("forecast_and_scale", "forecast and scale")])}
                {input(ctx, f, Input::text("Forecast metric", "forecast[metric]", "forecast.metric")
                    .hint("a metric above with a Utilization or AverageValue target; empty = the first"))}
                {input(ctx, f, Input::num("Quantile", "forecast[quantile]", "forecast.quantile").decimal().placeholder("0.9")
                    .hint("0.5–0.99: capacity for the load at this quantile"))}
            </div>
            <div class="field-row">
                {input(ctx, f, Input::num("Lead (s)", "forecast[lead_secs]", "forecast.lead_secs")
                    .hint("empty = the start-up time plus one evaluation interval"))}
                {input(ctx, f, Input::num("Minimum history (h)", "forecast[min_history_hours]", "forecast.min_history_hours").placeholder("24"))}
                {input(ctx, f, Input::num("Scale-down window when the load has fallen (s)", "forecast[scale_down_window_secs]", "forecast.scale_down_window_secs")
                    .hint("used instead of the policy's while forecast and observed load agree; empty = unchanged"))}
            </div>
        </fieldset>
    }
    .into_any()
}

/// Settings most policies keep at HPA's defaults.
fn advanced(ctx: EditorCtx, f: &FormFields) -> AnyView {
    view! {
        <fieldset class="panel policy-fieldset" id="fs-advanced">
            <legend>"Advanced settings"</legend>
            <p class="hint">"HPA's CPU readiness timing: a young instance's CPU sample counts only once it is ready and was sampled a full window later; afterwards only a not-ready instance that was never ready is left out."</p>
            <div class="field-row">
                {input(ctx, f, Input::num("CPU initialization period (s)", "cpu_initialization_period_secs", "cpu_initialization_period_secs").placeholder("300")
                    .hint("HPA --horizontal-pod-autoscaler-cpu-initialization-period"))}
                {input(ctx, f, Input::num("Initial readiness delay (s)", "initial_readiness_delay_secs", "initial_readiness_delay_secs").placeholder("30")
                    .hint("HPA --horizontal-pod-autoscaler-initial-readiness-delay"))}
            </div>
        </fieldset>
    }
    .into_any()
}

fn behavior(ctx: EditorCtx, f: &FormFields) -> AnyView {
    view! {
        <fieldset class="panel policy-fieldset" id="fs-behavior">
            <legend>"Behavior"</legend>
            {checkbox(f, "Use HPA behavior rules", "behavior[enabled]".into(),
                "off: HPA legacy rules (scale-up limit max(2 × current, 4), 300 s scale-down window)")}
            <div class="grid">
                {direction(ctx, f, "scale_up", "Scale up", "0", "4 instances or 100 % per 15 s, the larger")}
                {direction(ctx, f, "scale_down", "Scale down", "300", "100 % per 15 s")}
            </div>
        </fieldset>
    }
    .into_any()
}

fn direction(
    ctx: EditorCtx,
    f: &FormFields,
    dir: &'static str,
    title: &'static str,
    window: &'static str,
    rates: &'static str,
) -> AnyView {
    let k = format!("behavior[{dir}]");
    let p = format!("behavior.{dir}");
    let list = format!("{k}[policies]");
    let rows = f
        .rows(&list)
        .into_iter()
        .enumerate()
        .map(|(n, j)| {
            let rk = |x: &str| format!("{list}[{j}][{x}]");
            let rp = |x: &str| format!("{p}.policies[{n}].{x}");
            view! {
                <div class="row-item field-row">
                    {select(ctx, f, "Kind", rk("kind"), rp("kind"), &[("percent", "percent"), ("instances", "instances")])}
                    {input(ctx, f, Input::num("Value", rk("value"), rp("value")))}
                    {input(ctx, f, Input::num("Period (s)", rk("period_secs"), rp("period_secs")).placeholder("15"))}
                    {op_button(ctx, format!("remove:{list}:{j}"), "Remove".into())}
                </div>
            }
        })
        .collect_view();
    view! {
        <div class="direction">
            <h3>{title}</h3>
            <div class="field-row">
                {input(ctx, f, Input::num("Stabilization window (s)", format!("{k}[stabilization_window_secs]"), format!("{p}.stabilization_window_secs")).placeholder(window))}
                {select(ctx, f, "Select policy", format!("{k}[select_policy]"), format!("{p}.select_policy"),
                    &[("max", "max (largest change)"), ("min", "min (smallest change)"), ("disabled", "disabled (never)")])}
            </div>
            <p class="hint">"Rate policies; none = HPA default: "{rates}"."</p>
            {rows}
            {op_button(ctx, format!("add:{list}"), "Add rate policy".into())}
        </div>
    }
    .into_any()
}

fn extras(ctx: EditorCtx, f: &FormFields) -> AnyView {
    view! {
        <fieldset class="panel policy-fieldset" id="fs-fallback">
            <legend>"Fallback, headroom, saturation and activation"</legend>
            <div class="field-row">
                {input(ctx, f, Input::num("Fallback after failures", "fallback[after_failures]", "fallback.after_failures").placeholder("3"))}
                {select(ctx, f, "Fallback action", "fallback[action]".into(), "fallback.action".into(),
                    &[("hold", "hold the count"), ("fixed", "go to a fixed count")])}
                {input(ctx, f, Input::num("Fixed count", "fallback[replicas]", "fallback.action").hint("only for a fixed count; never scales in"))}
            </div>
            <div class="field-row">
                {select(ctx, f, "Headroom", "headroom[kind]".into(), "headroom".into(),
                    &[("none", "none"), ("percent", "percent above demand"), ("instances", "instances above demand")])}
                {input(ctx, f, Input::num("Headroom value", "headroom[value]", "headroom").decimal())}
            </div>
            <div class="field-row">
                {input(ctx, f, Input::num("Saturation factor", "saturation[factor]", "saturation.factor").decimal()
                    .hint("at the CPU limit, ask this many times what CPU shows; empty = off (HPA)"))}
                {input(ctx, f, Input::num("Saturated at % of limit", "saturation[limit_percent]", "saturation.limit_percent").decimal().placeholder("95"))}
            </div>
            <div class="field-row">
                {input(ctx, f, Input::text("Activation metric", "activation[metric]", "activation.metric")
                    .hint("KEDA-style scale to zero; empty = no activation"))}
                {input(ctx, f, Input::num("Activation threshold", "activation[threshold]", "activation.threshold").decimal().placeholder("0"))}
            </div>
        </fieldset>
    }
    .into_any()
}
