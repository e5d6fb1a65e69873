//! The policy editor's list fieldsets: metrics, step rules with their bands, schedules and
//! pauses, each row with a remove button and each list with an add button.

use leptos::prelude::*;

use crate::components::policy_fields::{field_error, input, op_button, select, EditorCtx, Input};
use crate::model::policy_form::FormFields;

/// Rows of `list` as (engine index, form index).
fn rows(f: &FormFields, list: &str) -> Vec<(usize, usize)> {
    f.rows(list).into_iter().enumerate().collect()
}

fn list_error(ctx: EditorCtx, path: &str) -> AnyView {
    field_error(
        ctx,
        path.to_string(),
        format!("f-{}-error", path.replace(['[', ']', '.'], "-")),
    )
    .into_any()
}

/// Metric targets.
pub fn metrics(ctx: EditorCtx, f: &FormFields) -> AnyView {
    let items = rows(f, "metrics")
        .into_iter()
        .map(|(n, i)| {
            let k = |x: &str| format!("metrics[{i}][{x}]");
            let p = |x: &str| format!("metrics[{n}].{x}");
            view! {
                <div class="row-item" data-row=format!("metrics-{n}")>
                    <div class="field-row">
                        {input(ctx, f, Input::text("Name", k("name"), p("name")).placeholder("cpu"))}
                        {select(ctx, f, "Source", k("source"), p("source"), &[
                            ("resource", "resource (per instance, vs request)"),
                            ("container_resource", "container resource (one container, vs its request)"),
                            ("pods", "pods (per-instance metric)"),
                            ("object", "object (one total)"),
                            ("external", "external (one total)"),
                            ("prometheus", "Prometheus query (a total, or per instance)"),
                        ])}
                        {select(ctx, f, "Resource", k("resource"), p("source"), &[("cpu", "cpu"), ("memory", "memory")])}
                        {input(ctx, f, Input::text("Container", k("container"), p("source.container")).hint("for container resource"))}
                        {input(ctx, f, Input::text("Metric name", k("metric"), p("source.metric")).hint("for pods, object, external"))}
                    </div>
                    <div class="field-row">
                        {input(ctx, f, Input::text("Prometheus server", k("server"), p("source.server")).hint("for Prometheus: a server's name"))}
                        {input(ctx, f, Input::text("PromQL query", k("query"), p("source.query"))
                            .placeholder("sum(rate(http_requests_total{service=\"{name}\"}[1m]))")
                            .hint("{workload}, {namespace}, {name} are replaced"))}
                        {input(ctx, f, Input::text("Instance label", k("instance_label"), p("source.instance_label"))
                            .placeholder("pod").hint("empty: the query gives one total"))}
                        {select(ctx, f, "Empty result", k("empty"), p("source"), &[
                            ("missing", "missing (never scale in on it)"),
                            ("zero", "zero (as KEDA ignoreNullValues)"),
                        ])}
                        // A plain submit: the server runs the query (with or without JavaScript).
                        <button type="submit" name="op" value=format!("test_query:{i}") formnovalidate
                            class="button small" id=format!("test-query-{n}")>"Test query"</button>
                    </div>
                    {(!f.get(&k("test_result")).is_empty()).then(|| view! {
                        <p class="test-result muted" role="status" id=format!("test-query-result-{n}")>
                            {f.get(&k("test_result")).to_string()}
                        </p>
                    })}
                    <div class="field-row">
                        {select(ctx, f, "Target type", k("target_type"), p("target"), &[
                            ("utilization", "utilization % of request"),
                            ("average_value", "average value per instance"),
                            ("value", "total value"),
                        ])}
                        {input(ctx, f, Input::num("Target value", k("target_value"), p("target")).decimal().placeholder("80"))}
                        {op_button(ctx, format!("remove:metrics:{i}"), format!("Remove metric {}", n + 1))}
                    </div>
                </div>
            }
        })
        .collect_view();
    view! {
        <fieldset class="panel policy-fieldset" id="fs-metrics">
            <legend>"Metrics"</legend>
            <p class="hint">"Each metric proposes a count; the largest proposal wins."</p>
            {list_error(ctx, "metrics")}
            {items}
            {op_button(ctx, "add:metrics".into(), "Add metric".into())}
        </fieldset>
    }
    .into_any()
}

/// AWS-style step rules with their bands.
pub fn step_rules(ctx: EditorCtx, f: &FormFields) -> AnyView {
    let items = rows(f, "step_rules")
        .into_iter()
        .map(|(n, i)| {
            let k = format!("step_rules[{i}]");
            let p = format!("step_rules[{n}]");
            let list = format!("{k}[steps]");
            let steps = rows(f, &list)
                .into_iter()
                .map(|(m, j)| {
                    let sk = |x: &str| format!("{list}[{j}][{x}]");
                    let sp = |x: &str| format!("{p}.steps[{m}].{x}");
                    view! {
                        <div class="field-row band">
                            {input(ctx, f, Input::num("Lower (≥)", sk("lower"), sp("lower")).decimal().placeholder("−∞"))}
                            {input(ctx, f, Input::num("Upper (<)", sk("upper"), sp("upper")).decimal().placeholder("+∞"))}
                            {select(ctx, f, "Adjustment", sk("adjustment_type"), sp("adjustment"), &[
                                ("change_in_capacity", "change by instances"),
                                ("percent_change_in_capacity", "change by percent"),
                                ("exact_capacity", "set exactly"),
                            ])}
                            {input(ctx, f, Input::num("By / to", sk("adjustment_value"), sp("adjustment")).decimal())}
                            {op_button(ctx, format!("remove:{list}:{j}"), "Remove band".into())}
                        </div>
                    }
                })
                .collect_view();
            view! {
                <div class="row-item">
                    <div class="field-row">
                        {input(ctx, f, Input::text("Metric", format!("{k}[metric]"), format!("{p}.metric")).hint("a metric name above, or an external key"))}
                        {input(ctx, f, Input::num("Min adjustment", format!("{k}[min_adjustment_magnitude]"), format!("{p}.min_adjustment_magnitude"))
                            .hint("for percent steps"))}
                        {op_button(ctx, format!("remove:step_rules:{i}"), "Remove rule".into())}
                    </div>
                    {list_error(ctx, &format!("{p}.steps"))}
                    {steps}
                    {op_button(ctx, format!("add:{list}"), "Add band".into())}
                </div>
            }
        })
        .collect_view();
    view! {
        <fieldset class="panel policy-fieldset" id="fs-steps">
            <legend>"Step rules"</legend>
            <p class="hint">"Bands on a metric's value (lower inclusive, upper exclusive); the first band containing the value applies."</p>
            {items}
            {op_button(ctx, "add:step_rules".into(), "Add step rule".into())}
        </fieldset>
    }
    .into_any()
}

/// Cron schedules overriding min/max.
pub fn schedules(ctx: EditorCtx, f: &FormFields) -> AnyView {
    let items = rows(f, "schedules")
        .into_iter()
        .map(|(n, i)| {
            let k = |x: &str| format!("schedules[{i}][{x}]");
            let p = |x: &str| format!("schedules[{n}].{x}");
            view! {
                <div class="row-item">
                    {list_error(ctx, &format!("schedules[{n}]"))}
                    <div class="field-row">
                        {input(ctx, f, Input::text("Name", k("name"), p("name")).placeholder("business hours"))}
                        {input(ctx, f, Input::text("Cron", k("cron"), p("cron")).placeholder("0 8 * * 1-5").hint("minute hour day month weekday"))}
                        {input(ctx, f, Input::text("Time zone", k("timezone"), p("timezone")).placeholder("UTC").hint("IANA, e.g. Europe/Berlin"))}
                    </div>
                    <div class="field-row">
                        {input(ctx, f, Input::num("Duration (s)", k("duration_secs"), p("duration_secs")).placeholder("3600"))}
                        {input(ctx, f, Input::num("Min replicas", k("min_replicas"), p("min_replicas")))}
                        {input(ctx, f, Input::num("Max replicas", k("max_replicas"), p("max_replicas")))}
                        {op_button(ctx, format!("remove:schedules:{i}"), "Remove schedule".into())}
                    </div>
                </div>
            }
        })
        .collect_view();
    view! {
        <fieldset class="panel policy-fieldset" id="fs-schedules">
            <legend>"Schedules"</legend>
            {items}
            {op_button(ctx, "add:schedules".into(), "Add schedule".into())}
        </fieldset>
    }
    .into_any()
}

/// Pauses written into the policy.
pub fn pauses(ctx: EditorCtx, f: &FormFields) -> AnyView {
    let items = rows(f, "pauses")
        .into_iter()
        .map(|(n, i)| {
            let k = |x: &str| format!("pauses[{i}][{x}]");
            let p = |x: &str| format!("pauses[{n}].{x}");
            view! {
                <div class="row-item field-row">
                    {select(ctx, f, "Direction", k("direction"), p("direction"),
                        &[("both", "both"), ("scale_in", "scale in"), ("scale_out", "scale out")])}
                    {input(ctx, f, Input::text("Until (UTC)", k("until"), p("until")).placeholder("2026-01-31T18:00"))}
                    {input(ctx, f, Input::text("Reason", k("reason"), p("reason")))}
                    {op_button(ctx, format!("remove:pauses:{i}"), "Remove pause".into())}
                </div>
            }
        })
        .collect_view();
    view! {
        <fieldset class="panel policy-fieldset" id="fs-pauses">
            <legend>"Pauses"</legend>
            <p class="hint">"Hold a direction until a time (operator pauses from the workload page are separate)."</p>
            {items}
            {op_button(ctx, "add:pauses".into(), "Add pause".into())}
        </fieldset>
    }
    .into_any()
}
