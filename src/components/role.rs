//! What the signed-in user may do, for showing only the forms their role can use. Read on the
//! server while a page renders (the request's user); components that ask are server-rendered,
//! and islands get the answer as a prop. The server functions check again: hiding a form is
//! for clarity, not security.

use crate::model::auth::Role;

/// The signed-in user's role while the server renders (`None` in the browser).
pub fn current_role() -> Option<Role> {
    #[cfg(feature = "ssr")]
    {
        crate::api::signed_in().map(|u| u.role)
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

/// True when the signed-in user's role allows what `needed` may do.
pub fn may(needed: Role) -> bool {
    current_role().is_some_and(|r| r.allows(needed))
}

/// The sentence shown where a form would be: "Changing this needs the editor role; you are
/// a viewer."
pub fn needs(needed: Role, what: &str) -> String {
    let you = current_role().map_or("not signed in".to_string(), |r| {
        format!("you are {} {}", article(r.name()), r.name())
    });
    format!("{what} needs the {} role; {you}.", needed.name())
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}
