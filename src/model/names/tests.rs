//! Case tables of every name rule against the same hostile inputs.

use super::*;

/// A name rule, as the tables list them.
type Rule = fn(&str) -> Result<(), String>;

/// The hostile inputs every rule is tried with, by name.
fn hostile() -> Vec<(&'static str, String)> {
    vec![
        ("empty", String::new()),
        ("blank", "   ".into()),
        ("markup", "<b>web</b>".into()),
        ("title breakout", "</title><meta http-equiv=refresh>".into()),
        ("rtl override", "web\u{202E}exe.bat".into()),
        ("rtl isolate", "\u{2067}web".into()),
        ("200,000 characters", "a".repeat(200_000)),
        ("nul", "web\0".into()),
        ("newline", "web\nINFO forged log line".into()),
        ("carriage return", "web\r".into()),
        ("line separator", "web\u{2028}x".into()),
        ("delete", "web\u{7f}".into()),
        ("c1 control", "web\u{85}".into()),
    ]
}

fn refuses_all_hostile(rule: Rule, what: &str) {
    for (case, input) in hostile() {
        let err = rule(&input).expect_err(&format!("{what}: {case} must be refused"));
        assert!(
            err.len() < 400 && !err.contains("<b>") && !err.contains('\u{202E}'),
            "{what}: {case}: the message echoes the input: {err}"
        );
    }
}

#[test]
fn identifiers_refuse_every_hostile_input() {
    refuses_all_hostile(service, "service");
    refuses_all_hostile(backend, "backend");
    refuses_all_hostile(user, "user");
    refuses_all_hostile(kubernetes, "kubernetes");
}

#[test]
fn free_text_refuses_hostile_input_except_plain_markup() {
    for (case, input) in hostile() {
        let markup = matches!(case, "markup" | "title breakout");
        for (what, rule) in [("policy", policy as Rule), ("token", token)] {
            // Markup is ordinary printable text in a free-text name; pages escape it.
            assert_eq!(rule(&input).is_ok(), markup, "{what}: {case}");
        }
    }
}

#[test]
fn service_names_follow_swarmkit() {
    let cases: &[(&str, &str, bool)] = &[
        ("one letter", "a", true),
        ("digits", "0123", true),
        ("dash and underscore runs", "web--api__v2", true),
        ("mixed case", "Web-API", true),
        ("63 characters", &"a".repeat(63), true),
        ("64 characters", &"a".repeat(64), false),
        ("leading dash", "-web", false),
        ("trailing dash", "web-", false),
        ("leading underscore", "_web", false),
        ("dot", "web.api", false),
        ("space", "web api", false),
        ("slash", "ns/web", false),
        ("non-ascii letter", "wéb", false),
    ];
    for (case, name, ok) in cases {
        assert_eq!(service(name).is_ok(), *ok, "{case}: {:?}", service(name));
    }
}

#[test]
fn backend_and_user_names() {
    let cases: &[(&str, Rule, &str, bool)] = &[
        ("backend with dot", backend, "prod.eu-1", true),
        ("backend 63", backend, &"b".repeat(63), true),
        ("backend 64", backend, &"b".repeat(64), false),
        ("backend parent dir", backend, "..", false),
        ("backend leading dash", backend, "-prod", false),
        ("backend slash", backend, "a/b", false),
        ("user plain", user, "alice", true),
        ("user mail", user, "alice.smith@example.com", true),
        ("user 64", user, &"u".repeat(64), true),
        ("user 65", user, &"u".repeat(65), false),
        ("user space", user, "alice smith", false),
        ("user leading dash", user, "-alice", false),
        ("user trailing at", user, "alice@", false),
    ];
    for (case, rule, name, ok) in cases {
        assert_eq!(rule(name).is_ok(), *ok, "{case}: {:?}", rule(name));
    }
}

#[test]
fn free_text_allows_printable_text_up_to_the_limit() {
    let cases: &[(&str, &str, bool)] = &[
        ("words", "Web tier — business hours", true),
        ("other scripts", "ウェブ 规则 سياسة", true),
        ("quotes and symbols", "cpu 70% \"fast\" & <calm>", true),
        ("100 characters", &"é".repeat(100), true),
        ("101 characters", &"é".repeat(101), false),
        ("tab", "a\tb", false),
        ("embedding", "a\u{202A}b", false),
        ("pop isolate", "a\u{2069}", false),
    ];
    for (case, name, ok) in cases {
        assert_eq!(
            policy(name).is_ok(),
            *ok,
            "policy {case}: {:?}",
            policy(name)
        );
        assert_eq!(token(name).is_ok(), *ok, "token {case}");
    }
}

#[test]
fn workload_names_follow_their_backend() {
    let cases: &[(&str, &str, &str, bool)] = &[
        ("swarm service", "swarm", "web_1", true),
        ("simulator like swarm", "simulator", "nasa-web", true),
        ("simulator leading dash", "simulator", "-web", false),
        (
            "kubernetes",
            "kubernetes",
            "shop/deployments.apps/web.v2",
            true,
        ),
        (
            "kubernetes core group",
            "kubernetes",
            "shop/replicationcontrollers/web",
            true,
        ),
        (
            "kubernetes upper case",
            "kubernetes",
            "shop/deployments.apps/Web",
            false,
        ),
        ("kubernetes no resource", "kubernetes", "shop/web", false),
        ("kubernetes no namespace", "kubernetes", "web", false),
        (
            "kubernetes long namespace",
            "kubernetes",
            &format!("{}/deployments.apps/w", "n".repeat(64)),
            false,
        ),
        ("unknown kind", "nomad", "web", false),
    ];
    for (case, kind, name, ok) in cases {
        assert_eq!(
            workload(kind, name).is_ok(),
            *ok,
            "{case}: {:?}",
            workload(kind, name)
        );
    }
}

#[test]
fn refusals_say_what_is_allowed() {
    let err = service("-web").expect_err("leading dash");
    assert!(err.contains("1 to 63") && err.contains("Swarm"), "{err}");
    let err = policy("a\u{202E}b").expect_err("override");
    assert!(err.contains("U+202E") && err.contains("printable"), "{err}");
    let err = user(&"x".repeat(200_000)).expect_err("huge");
    assert!(
        err.contains("200000 characters") && err.contains("1 to 64"),
        "{err}"
    );
}
