//! Who is signed in and what they may do. Roles are ordered: each includes the ones below it.
//!
//! - viewer: read everything;
//! - operator: also overrides and pauses;
//! - editor: also policies and workloads;
//! - admin: also users and backends.

use serde::{Deserialize, Serialize};

/// A role, from least to most privileged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Viewer,
    Operator,
    Editor,
    Admin,
}

impl Role {
    /// All roles, least privileged first.
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Operator, Role::Editor, Role::Admin];

    /// Stored and displayed name.
    pub fn name(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    /// The role named `s`, if any.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.name() == s.trim().to_ascii_lowercase())
    }

    /// True when this role may do what `needed` may.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }
}

/// The signed-in user of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub role: Role,
    /// Signed in with a password someone else chose (a one-time password): nothing but
    /// choosing their own works until they do.
    #[serde(default)]
    pub must_change_password: bool,
}

#[cfg(test)]
mod tests {
    use super::Role;

    #[test]
    fn roles_include_the_ones_below() {
        assert!(Role::Admin.allows(Role::Editor));
        assert!(Role::Editor.allows(Role::Operator));
        assert!(!Role::Operator.allows(Role::Editor));
        assert!(!Role::Viewer.allows(Role::Operator));
        assert_eq!(Role::parse(" Editor "), Some(Role::Editor));
        assert_eq!(Role::parse("root"), None);
    }
}
