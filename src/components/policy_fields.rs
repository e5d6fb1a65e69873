//! Form widgets of the policy editor: labelled inputs and selects with their default shown as
//! placeholder or hint, and the field's error beside it (matched by engine path). Adding and
//! removing rows are submit buttons, so they work with JavaScript off; with JavaScript the
//! editor handles them in place (see [`EditorCtx::on_op`]).

use leptos::prelude::*;

use crate::model::error::FieldError;
use crate::model::policy_form::FormFields;

/// What every widget of one editor shares.
#[derive(Clone, Copy)]
pub struct EditorCtx {
    /// Current errors (client checks, or the server's answer).
    pub errors: RwSignal<Vec<FieldError>>,
    /// Applies a row operation in the browser (`add:<list>` / `remove:<list>:<i>`).
    pub on_op: Callback<String>,
}

/// An element id for a form key: `metrics[0][name]` → `f-metrics-0-name`.
pub fn dom_id(key: &str) -> String {
    let mut out = String::from("f-");
    for c in key.chars() {
        match c {
            '[' => out.push('-'),
            ']' => {}
            c if c.is_ascii_alphanumeric() || c == '_' || c == '-' => out.push(c),
            _ => out.push('_'),
        }
    }
    out
}

/// One input's description.
pub struct Input<'a> {
    pub label: &'a str,
    pub key: String,
    /// Engine path whose errors show here.
    pub path: String,
    pub hint: &'a str,
    pub placeholder: &'a str,
    /// `number`, `text`, `datetime-local`…
    pub kind: &'static str,
    pub step: &'static str,
}

impl<'a> Input<'a> {
    /// A number input.
    pub fn num(label: &'a str, key: impl Into<String>, path: impl Into<String>) -> Self {
        Input {
            label,
            key: key.into(),
            path: path.into(),
            hint: "",
            placeholder: "",
            kind: "number",
            step: "1",
        }
    }
    /// A text input.
    pub fn text(label: &'a str, key: impl Into<String>, path: impl Into<String>) -> Self {
        Input {
            kind: "text",
            step: "",
            ..Input::num(label, key, path)
        }
    }
    /// Accepts fractions.
    pub fn decimal(mut self) -> Self {
        self.step = "any";
        self
    }
    /// Shown when empty (the default).
    pub fn placeholder(mut self, p: &'a str) -> Self {
        self.placeholder = p;
        self
    }
    /// A line under the input.
    pub fn hint(mut self, h: &'a str) -> Self {
        self.hint = h;
        self
    }
}

/// The error line of `path`, when there is one.
pub fn field_error(ctx: EditorCtx, path: String, id: String) -> impl IntoView {
    move || {
        ctx.errors.with(|list| {
            list.iter().find(|e| e.path == path).map(|e| {
                view! { <p class="field-error" id=id.clone()>{e.message.clone()}</p> }
            })
        })
    }
}

fn invalid(
    ctx: EditorCtx,
    path: String,
) -> impl Fn() -> Option<&'static str> + Send + Sync + 'static {
    move || {
        ctx.errors
            .with(|l| l.iter().any(|e| e.path == path))
            .then_some("true")
    }
}

/// A labelled input with hint and error.
pub fn input(ctx: EditorCtx, f: &FormFields, i: Input) -> AnyView {
    let id = dom_id(&i.key);
    let err_id = format!("{id}-error");
    let hint =
        (!i.hint.is_empty()).then(|| view! { <span class="hint">{i.hint.to_string()}</span> });
    let step = (!i.step.is_empty()).then_some(i.step);
    view! {
        <div class="field">
            <label for=id.clone()>{i.label.to_string()}</label>
            <input id=id name=i.key.clone() type=i.kind step=step value=f.get(&i.key).to_string()
                placeholder=i.placeholder.to_string() aria-invalid=invalid(ctx, i.path.clone())
                aria-describedby=err_id.clone()/>
            {hint}
            {field_error(ctx, i.path, err_id)}
        </div>
    }
    .into_any()
}

/// A labelled select of (value, label) options.
pub fn select(
    ctx: EditorCtx,
    f: &FormFields,
    label: &str,
    key: String,
    path: String,
    options: &[(&str, &str)],
) -> AnyView {
    let id = dom_id(&key);
    let err_id = format!("{id}-error");
    let current = f.get(&key).to_string();
    let opts = options
        .iter()
        .map(|(v, l)| {
            let selected = *v == current;
            view! { <option value=v.to_string() selected=selected>{l.to_string()}</option> }
        })
        .collect_view();
    view! {
        <div class="field">
            <label for=id.clone()>{label.to_string()}</label>
            <select id=id name=key aria-invalid=invalid(ctx, path.clone()) aria-describedby=err_id.clone()>{opts}</select>
            {field_error(ctx, path, err_id)}
        </div>
    }
    .into_any()
}

/// A checkbox whose value is `on` when checked.
pub fn checkbox(f: &FormFields, label: &str, key: String, hint: &str) -> AnyView {
    let id = dom_id(&key);
    let checked = !f.get(&key).is_empty();
    view! {
        <div class="field check">
            <input id=id.clone() name=key type="checkbox" value="on" checked=checked/>
            <label for=id>{label.to_string()}</label>
            <span class="hint">{hint.to_string()}</span>
        </div>
    }
    .into_any()
}

/// A submit button for a row operation; handled in place when the page is live.
pub fn op_button(ctx: EditorCtx, op: String, label: String) -> AnyView {
    let for_click = op.clone();
    view! {
        <button type="submit" name="op" value=op formnovalidate class="button small"
            on:click=move |ev| {
                ev.prevent_default();
                ctx.on_op.run(for_click.clone());
            }>{label}</button>
    }
    .into_any()
}
