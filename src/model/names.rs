//! Name rules, one place for the server and the browser: what a workload (service), backend,
//! user, policy or API token may be called. Pure functions over `&str` (std only), so a form
//! checked in the browser and the server function behind it refuse exactly the same names.
//!
//! Identifiers (services, backends, users) get a strict character set: they end up in URLs,
//! file names (a backend's TLS folder), `docker` commands and logs. Workload names follow the
//! backend's own rule, so ebb never stores a name its backend could not have: Swarm services
//! use swarmkit's `^[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*$` (at most 63 characters), the simulator
//! the same rule, Kubernetes DNS-1123 (`namespace/resource.group/name`). Free-text names (policies,
//! tokens) allow ordinary printable text in any script, but never control characters, line
//! breaks or bidirectional overrides and isolates (which make text read differently than it
//! is stored). Every refusal says what is allowed, and never echoes the refused value (it
//! may be huge or hostile): offending characters are named by their code point.

/// Longest Swarm service (and simulator workload) name, as swarmkit enforces.
pub const SERVICE_MAX: usize = 63;
/// Longest backend name.
pub const BACKEND_MAX: usize = 63;
/// Longest user name.
pub const USER_MAX: usize = 64;
/// Longest policy or API token name, in characters.
pub const TEXT_MAX: usize = 100;

/// HTML `pattern` of a backend name (valid with the `u` and `v` regex flags browsers use).
pub const BACKEND_PATTERN: &str = r"[A-Za-z0-9](?:[A-Za-z0-9._\-]*[A-Za-z0-9])?";
/// HTML `pattern` of a user name.
pub const USER_PATTERN: &str = r"[A-Za-z0-9](?:[A-Za-z0-9._@\-]*[A-Za-z0-9])?";

/// What a Swarm service name may be (also the simulator's rule).
pub const SERVICE_RULE: &str = "a service name is 1 to 63 letters (A-Z, a-z), digits, '-' and \
     '_', starting and ending with a letter or digit (Docker Swarm's rule)";
/// What a backend name may be.
pub const BACKEND_RULE: &str = "a backend name is 1 to 63 letters (A-Z, a-z), digits, '.', '-' \
     and '_', starting and ending with a letter or digit";
/// What a user name may be.
pub const USER_RULE: &str = "a user name is 1 to 64 letters (A-Z, a-z), digits, '.', '-', '_' \
     and '@', starting and ending with a letter or digit";
/// What a Kubernetes workload name may be.
pub const KUBERNETES_RULE: &str = "a Kubernetes workload is `namespace/resource.group/name` (e.g. \
     `shop/deployments.apps/web`): the namespace 1 to 63 lowercase letters, digits and '-', the \
     resource and the name up to 253 of those and '.', each part starting and ending with a \
     letter or digit (DNS-1123)";

/// Checks the name of a workload of a backend of `kind` ("swarm", "simulator", "kubernetes")
/// by that backend's own rule.
pub fn workload(kind: &str, name: &str) -> Result<(), String> {
    match kind {
        "swarm" | "simulator" => service(name),
        "kubernetes" => kubernetes(name),
        other => Err(format!(
            "backends of kind {other} have no workloads ebb can attach to"
        )),
    }
}

/// Checks a Swarm service name (swarmkit's rule).
pub fn service(name: &str) -> Result<(), String> {
    identifier(name, SERVICE_MAX, |c| c == '-' || c == '_', SERVICE_RULE)
}

/// Checks a backend name.
pub fn backend(name: &str) -> Result<(), String> {
    identifier(name, BACKEND_MAX, |c| "._-".contains(c), BACKEND_RULE)
}

/// Checks a user name.
pub fn user(name: &str) -> Result<(), String> {
    identifier(name, USER_MAX, |c| "._-@".contains(c), USER_RULE)
}

/// Checks a Kubernetes workload name: `namespace/resource.group/name` (the core group has no
/// `.group`), a DNS-1123 label, a resource and a DNS-1123 subdomain.
pub fn kubernetes(name: &str) -> Result<(), String> {
    let mut parts = name.splitn(3, '/');
    let (Some(ns), Some(resource), Some(object)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(format!("it needs two '/'; {KUBERNETES_RULE}"));
    };
    dns_label(ns)?;
    let lower = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    identifier_with(
        resource,
        253,
        lower,
        |c| c == '-' || c == '.',
        KUBERNETES_RULE,
    )?;
    identifier_with(
        object,
        253,
        lower,
        |c| c == '-' || c == '.',
        KUBERNETES_RULE,
    )
}

/// Checks a Kubernetes namespace (a DNS-1123 label).
pub fn dns_label(name: &str) -> Result<(), String> {
    let lower = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    identifier_with(name, 63, lower, |c| c == '-', KUBERNETES_RULE)
}

/// Checks a policy name (free text).
pub fn policy(name: &str) -> Result<(), String> {
    text(name, "a policy name")
}

/// Checks an API token name (free text).
pub fn token(name: &str) -> Result<(), String> {
    text(name, "a token name")
}

/// `name` is 1..=`max` characters that are ASCII letters, digits or `inner` characters,
/// the first and last a letter or digit.
fn identifier(
    name: &str,
    max: usize,
    inner: impl Fn(char) -> bool,
    rule: &str,
) -> Result<(), String> {
    identifier_with(name, max, |c| c.is_ascii_alphanumeric(), inner, rule)
}

fn identifier_with(
    name: &str,
    max: usize,
    edge: impl Fn(char) -> bool,
    inner: impl Fn(char) -> bool,
    rule: &str,
) -> Result<(), String> {
    let count = name.chars().count();
    if count == 0 {
        return Err(format!("the name is empty; {rule}"));
    }
    if count > max {
        return Err(format!("the name has {count} characters; {rule}"));
    }
    if let Some(c) = name.chars().find(|c| !edge(*c) && !inner(*c)) {
        return Err(format!("{} is not allowed; {rule}", describe(c)));
    }
    let first = name.chars().next().filter(|c| edge(*c));
    let last = name.chars().last().filter(|c| edge(*c));
    if first.is_none() || last.is_none() {
        return Err(format!(
            "the name starts or ends with a punctuation mark; {rule}"
        ));
    }
    Ok(())
}

/// Free text of 1..=[`TEXT_MAX`] characters without control characters, line breaks or
/// bidirectional controls. Callers trim surrounding spaces first.
fn text(name: &str, what: &str) -> Result<(), String> {
    let rule = format!(
        "{what} is 1 to {TEXT_MAX} printable characters (no control characters, line breaks \
         or right-to-left overrides)"
    );
    let count = name.chars().count();
    if name.trim().is_empty() {
        return Err(format!("the name is empty; {rule}"));
    }
    if count > TEXT_MAX {
        return Err(format!("the name has {count} characters; {rule}"));
    }
    match name.chars().find(|c| hidden(*c)) {
        Some(c) => Err(format!("{} is not allowed; {rule}", describe(c))),
        None => Ok(()),
    }
}

/// Characters that change how text reads without being seen: controls (C0, DEL, C1), line
/// and paragraph separators, and the bidirectional embeddings, overrides and isolates.
fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}')
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// A character named safely: printable ASCII as itself, anything else by its code point.
fn describe(c: char) -> String {
    if c.is_ascii_graphic() {
        format!("'{c}'")
    } else if c == ' ' {
        "a space".to_string()
    } else {
        format!("the character U+{:04X}", u32::from(c))
    }
}

#[cfg(test)]
mod tests;
