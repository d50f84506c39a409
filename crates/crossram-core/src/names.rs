//! Name rules of RAM and STS parameters (spec §3.11, §4.3, §6.2), each answering the error code
//! and message the real service uses.
//!
//! Where the sources disagree the newest rule wins (DESIGN.md): RoleSessionName is 2-64 characters,
//! AccountAlias 3-63 (the number in the service's own error message). Lengths count characters.
//! `parameter` arguments name the request parameter (`UserName` or `NewUserName`), so one rule
//! serves both the create and the update call.

use crate::error::ApiError;

fn check(
    parameter: &str,
    value: &str,
    min: usize,
    max: usize,
    allowed: impl Fn(char) -> bool,
) -> Result<(), ApiError> {
    let len = value.chars().count();
    if len < min || len > max {
        return Err(ApiError::too_long(parameter));
    }
    if !value.chars().all(allowed) {
        return Err(ApiError::invalid_chars(parameter));
    }
    Ok(())
}

/// `RoleName`: 1-64 of letters, digits, `.`, `-` and `@` (the current rule plus the old regex).
pub fn validate_role_name(name: &str) -> Result<(), ApiError> {
    validate_role_name_param("RoleName", name)
}

/// [`validate_role_name`] for a differently named parameter (`NewRoleName`).
pub fn validate_role_name_param(parameter: &str, name: &str) -> Result<(), ApiError> {
    check(parameter, name, 1, 64, |c| {
        c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '@')
    })
}

/// `UserName`: 1-64 of letters, digits, `.`, `-`, `_` and `@`.
pub fn validate_user_name(name: &str) -> Result<(), ApiError> {
    validate_user_name_param("UserName", name)
}

/// [`validate_user_name`] for a differently named parameter (`NewUserName`).
pub fn validate_user_name_param(parameter: &str, name: &str) -> Result<(), ApiError> {
    check(parameter, name, 1, 64, |c| {
        c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@')
    })
}

/// `GroupName`: 1-64 of letters, digits and `-`.
pub fn validate_group_name(name: &str) -> Result<(), ApiError> {
    validate_group_name_param("GroupName", name)
}

/// [`validate_group_name`] for a differently named parameter (`NewGroupName`).
pub fn validate_group_name_param(parameter: &str, name: &str) -> Result<(), ApiError> {
    check(parameter, name, 1, 64, |c| {
        c.is_ascii_alphanumeric() || c == '-'
    })
}

/// `PolicyName`: 1-128 of letters, digits and `-`.
pub fn validate_policy_name(name: &str) -> Result<(), ApiError> {
    check("PolicyName", name, 1, 128, |c| {
        c.is_ascii_alphanumeric() || c == '-'
    })
}

/// `DisplayName` (or `NewDisplayName`): 1-128 characters, no control characters.
pub fn validate_display_name(parameter: &str, name: &str) -> Result<(), ApiError> {
    check(parameter, name, 1, 128, |c| !c.is_control())
}

/// `Comments` (or `NewComments`): at most 128 characters.
pub fn validate_comments(parameter: &str, text: &str) -> Result<(), ApiError> {
    check(parameter, text, 0, 128, |_| true)
}

/// `Description` (or `NewDescription`): at most 1024 characters (roles and policies).
pub fn validate_description(parameter: &str, text: &str) -> Result<(), ApiError> {
    check(parameter, text, 0, 1024, |_| true)
}

/// `RoleSessionName`: 2-64 of letters, digits, `.`, `@`, `-`, `_`; otherwise 400
/// `InvalidParameter.RoleSessionName` (`The parameter RoleSessionName is wrongly formed.`).
pub fn validate_role_session_name(name: &str) -> Result<(), ApiError> {
    let len = name.chars().count();
    let ok = (2..=64).contains(&len)
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '@' | '-' | '_'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(
            "InvalidParameter.RoleSessionName",
            400,
            "The parameter RoleSessionName is wrongly formed.",
        ))
    }
}

/// `AccountAlias`: 3-63 of lower-case letters, digits and `-`, with no leading, trailing or
/// consecutive `-` (`InvalidParameter.AccountAlias.Length` / `.Format`).
pub fn validate_account_alias(alias: &str) -> Result<(), ApiError> {
    let len = alias.chars().count();
    if !(3..=63).contains(&len) {
        return Err(ApiError::new(
            "InvalidParameter.AccountAlias.Length",
            400,
            "The parameter - \"AccountAlias\" MUST be in the range of 3 and 63.",
        ));
    }
    let chars_ok = alias
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !chars_ok || alias.starts_with('-') || alias.ends_with('-') || alias.contains("--") {
        return Err(ApiError::new(
            "InvalidParameter.AccountAlias.Format",
            400,
            "The format of parameter - \"AccountAlias\" is incorrect.",
        ));
    }
    Ok(())
}

/// AssumeRole `ExternalId`: 2-1224 of word characters and `+=,.@:/-`; otherwise 400
/// `InvalidParameter.ExternalId` (the code is not documented; named like the other STS codes).
pub fn validate_external_id(id: &str) -> Result<(), ApiError> {
    let len = id.chars().count();
    let ok = (2..=1224).contains(&len)
        && id.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '_' | '+' | '=' | ',' | '.' | '@' | ':' | '/' | '-')
        });
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(
            "InvalidParameter.ExternalId",
            400,
            "The parameter ExternalId is wrongly formed.",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names() {
        assert!(validate_role_name("ecs-admin").is_ok());
        assert!(validate_role_name("a.b-c@d").is_ok());
        let e = validate_role_name("a b").unwrap_err();
        assert_eq!(e.code(), "InvalidParameter.RoleName.InvalidChars");
        assert_eq!(
            e.message(),
            "The parameter - \"RoleName\" contains invalid chars."
        );
        let e = validate_role_name(&"a".repeat(65)).unwrap_err();
        assert_eq!(e.code(), "InvalidParameter.RoleName.Length");
        assert_eq!(
            validate_role_name("").unwrap_err().code(),
            "InvalidParameter.RoleName.Length"
        );
        assert_eq!(
            validate_role_name_param("NewRoleName", "x_y")
                .unwrap_err()
                .code(),
            "InvalidParameter.NewRoleName.InvalidChars"
        );
    }

    #[test]
    fn user_group_policy_names() {
        assert!(validate_user_name("Alice_1.x@y-z").is_ok());
        assert_eq!(
            validate_user_name("al ice").unwrap_err().code(),
            "InvalidParameter.UserName.InvalidChars"
        );
        assert!(validate_group_name("ops-team").is_ok());
        assert_eq!(
            validate_group_name("ops_team").unwrap_err().code(),
            "InvalidParameter.GroupName.InvalidChars"
        );
        assert!(validate_policy_name(&"p".repeat(128)).is_ok());
        assert_eq!(
            validate_policy_name(&"p".repeat(129)).unwrap_err().code(),
            "InvalidParameter.PolicyName.Length"
        );
        assert_eq!(
            validate_user_name_param("NewUserName", "")
                .unwrap_err()
                .code(),
            "InvalidParameter.NewUserName.Length"
        );
        assert_eq!(
            validate_group_name_param("NewGroupName", "a.b")
                .unwrap_err()
                .code(),
            "InvalidParameter.NewGroupName.InvalidChars"
        );
    }

    #[test]
    fn free_text_lengths() {
        assert!(validate_comments("Comments", &"é".repeat(128)).is_ok());
        let e = validate_comments("Comments", &"x".repeat(129)).unwrap_err();
        assert_eq!(e.code(), "InvalidParameter.Comments.Length");
        assert_eq!(
            e.message(),
            "The parameter - \"Comments\" beyond the length limit."
        );
        assert!(validate_description("Description", &"x".repeat(1024)).is_ok());
        assert!(validate_description("NewDescription", &"x".repeat(1025)).is_err());
        assert!(validate_display_name("DisplayName", "Alice Li").is_ok());
        assert_eq!(
            validate_display_name("DisplayName", "a\nb")
                .unwrap_err()
                .code(),
            "InvalidParameter.DisplayName.InvalidChars"
        );
    }

    #[test]
    fn session_names() {
        assert!(validate_role_session_name("alice").is_ok());
        assert!(validate_role_session_name(&"a".repeat(64)).is_ok());
        for bad in ["a", "1", "abc*abc", "a b", &"a".repeat(65)] {
            let e = validate_role_session_name(bad).unwrap_err();
            assert_eq!(e.code(), "InvalidParameter.RoleSessionName");
            assert_eq!(
                e.message(),
                "The parameter RoleSessionName is wrongly formed."
            );
        }
    }

    #[test]
    fn aliases() {
        assert!(validate_account_alias("company-a").is_ok());
        assert_eq!(
            validate_account_alias("ab").unwrap_err().code(),
            "InvalidParameter.AccountAlias.Length"
        );
        assert!(validate_account_alias(&"a".repeat(63)).is_ok());
        assert!(validate_account_alias(&"a".repeat(64)).is_err());
        for bad in ["-abc", "abc-", "a--b", "Abc", "a_b"] {
            assert_eq!(
                validate_account_alias(bad).unwrap_err().code(),
                "InvalidParameter.AccountAlias.Format",
                "{bad}"
            );
        }
    }

    #[test]
    fn external_ids() {
        assert!(validate_external_id("abcd-1234:x/y=z").is_ok());
        assert!(validate_external_id("a").is_err());
        assert!(validate_external_id("a b").is_err());
        assert!(validate_external_id(&"a".repeat(1225)).is_err());
    }
}
