//! Who may do what: every permission decision in the server is [`allowed`], tested as a
//! matrix (role × action × own/other workspace × own/other party) in the integration tests.

use std::fmt;

/// A member's role in a workspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Runs the workspace: everything, including members and tokens.
    Owner,
    /// Fills in and changes the model.
    Editor,
    /// Speaks for one supplier (a party): sees the rows where that party has or should have
    /// a task, proposes, accepts or contests them, and signs for the party.
    Supplier,
    /// Reads everything, including the audit log; comments.
    Auditor,
    /// Reads the model.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Owner,
        Role::Editor,
        Role::Supplier,
        Role::Auditor,
        Role::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Editor => "editor",
            Role::Supplier => "supplier",
            Role::Auditor => "auditor",
            Role::Viewer => "viewer",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Editor => "Editor",
            Role::Supplier => "Supplier representative",
            Role::Auditor => "Auditor",
            Role::Viewer => "Viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something a member asks to do in a workspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// See the workspace, its dashboard and matrix (a supplier: its own rows only).
    View,
    /// See one row (its allocation, comments and history).
    ViewRow,
    /// Change a row's allocation.
    EditRow,
    /// Propose a change to a row, accept it, or contest it.
    ProposeRow,
    /// Comment on a row.
    Comment,
    /// Change parties, services or the model's settings; upload a model or a matrix.
    EditModel,
    /// Freeze a version for signing.
    Freeze,
    /// Sign a frozen version for a party.
    Sign,
    /// Download the documents.
    Export,
    /// See the audit log.
    ViewAudit,
    /// Add members, invite, change roles.
    ManageMembers,
    /// Create and revoke API tokens.
    ManageTokens,
}

impl Action {
    pub const ALL: [Action; 12] = [
        Action::View,
        Action::ViewRow,
        Action::EditRow,
        Action::ProposeRow,
        Action::Comment,
        Action::EditModel,
        Action::Freeze,
        Action::Sign,
        Action::Export,
        Action::ViewAudit,
        Action::ManageMembers,
        Action::ManageTokens,
    ];
}

/// Where an action lands, as far as permissions care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scope {
    /// The action is in a workspace the person belongs to.
    pub own_workspace: bool,
    /// For a supplier representative: the row (or the signature) is its own party's. Always
    /// true for actions not about one party.
    pub own_party: bool,
}

/// Whether `role` may do `action` in `scope`. The one place permissions are decided.
pub fn allowed(role: Role, action: Action, scope: Scope) -> bool {
    use Action::*;
    if !scope.own_workspace {
        return false;
    }
    match role {
        Role::Owner => true,
        Role::Editor => !matches!(action, ManageMembers | ManageTokens),
        Role::Supplier => match action {
            View => true,
            ViewRow | ProposeRow | Comment | Sign | Export => scope.own_party,
            EditRow | EditModel | Freeze | ViewAudit | ManageMembers | ManageTokens => false,
        },
        Role::Auditor => matches!(action, View | ViewRow | Comment | Export | ViewAudit),
        Role::Viewer => matches!(action, View | ViewRow | Export),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nobody_acts_in_another_workspace() {
        for role in Role::ALL {
            for action in Action::ALL {
                for own_party in [true, false] {
                    assert!(!allowed(
                        role,
                        action,
                        Scope {
                            own_workspace: false,
                            own_party
                        }
                    ));
                }
            }
        }
    }

    #[test]
    fn roles_parse_back() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("admin"), None);
    }
}

#[cfg(test)]
mod table {
    use super::*;

    /// The permissions written out by hand, in one's own workspace: (role, action, own party,
    /// other party).
    #[test]
    fn the_table_as_documented() {
        use Action::*;
        let yes_no = |role: Role, action: Action| {
            [true, false].map(|own_party| {
                allowed(
                    role,
                    action,
                    Scope {
                        own_workspace: true,
                        own_party,
                    },
                )
            })
        };
        for action in Action::ALL {
            assert_eq!(yes_no(Role::Owner, action), [true, true], "{action:?}");
        }
        for (action, want) in [
            (View, [true, true]),
            (ViewRow, [true, false]),
            (EditRow, [false, false]),
            (ProposeRow, [true, false]),
            (Comment, [true, false]),
            (EditModel, [false, false]),
            (Freeze, [false, false]),
            (Sign, [true, false]),
            (Export, [true, false]),
            (ViewAudit, [false, false]),
            (ManageMembers, [false, false]),
            (ManageTokens, [false, false]),
        ] {
            assert_eq!(yes_no(Role::Supplier, action), want, "supplier {action:?}");
        }
        assert_eq!(yes_no(Role::Editor, EditRow), [true, true]);
        assert_eq!(yes_no(Role::Editor, ManageMembers), [false, false]);
        assert_eq!(yes_no(Role::Auditor, ViewAudit), [true, true]);
        assert_eq!(yes_no(Role::Auditor, EditRow), [false, false]);
        assert_eq!(yes_no(Role::Viewer, Comment), [false, false]);
        assert_eq!(yes_no(Role::Viewer, Export), [true, true]);
    }
}
