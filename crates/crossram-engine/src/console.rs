//! The console steps of the seed playbook: a RAM user logs on with the enterprise alias, user
//! name and password, and switches role into another account by alias (or default domain, or
//! UID) and role name. Both hand back temporary credentials; calls made with them are authorized
//! exactly like API calls.
//!
//! Passwords are stored as argon2id hashes. Repeated wrong passwords lock the user out for a
//! while ([`crate::LockoutPolicy`]); the failure message never says whether the user exists.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use time::Duration;

use crossram_core::ApiError;

use crate::api::{Caller, ConsoleCredentials, RequestContext};
use crate::engine::{Engine, format_timestamp};
use crate::env::ALNUM;
use crate::model::Record;
use crate::secret::Secret;
use crate::sts::{self, AssumeInput};
use crate::token::{Claims, SessionKind};
use crate::world::Write;

/// The shortest console password the default password policy accepts.
pub(crate) const MIN_PASSWORD_LEN: usize = 8;

fn hasher(e: &Engine) -> Result<Argon2<'static>, ApiError> {
    let params = Params::new(e.config.password_hash_memory_kib, 2, 1, None)
        .map_err(|err| ApiError::internal(format!("password hashing is misconfigured: {err}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a new console password after checking it against the password policy.
pub(crate) fn hash_password(e: &Engine, password: &str) -> Result<Secret, ApiError> {
    if password.chars().count() < MIN_PASSWORD_LEN || password.chars().count() > 32 {
        return Err(ApiError::new(
            "InvalidParameter.Password.TooWeak",
            400,
            "The parameter - \"Password\" is not compliant with the password policy.",
        ));
    }
    let mut salt = [0u8; 16];
    e.env.ids.bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt)
        .map_err(|err| ApiError::internal(format!("cannot encode a salt: {err}")))?;
    let hash = hasher(e)?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|err| ApiError::internal(format!("cannot hash the password: {err}")))?;
    Ok(Secret::new(hash.to_string()))
}

fn logon_failed() -> ApiError {
    ApiError::new(
        "LogonFailed",
        401,
        "The logon name or password is incorrect.",
    )
}

impl Engine {
    /// Console logon of a RAM user: `name@alias.onaliyun.com`, `name@alias` or `name@UID`, and
    /// the password of its login profile.
    pub async fn console_logon(
        &self,
        login_name: &str,
        password: &str,
        _ctx: &RequestContext,
    ) -> Result<ConsoleCredentials, ApiError> {
        let (user_name, domain) = login_name.rsplit_once('@').ok_or_else(logon_failed)?;
        let (account, user_id, hash, domain_name) = {
            let w = self.world.read();
            let state = w.find_account(domain).ok_or_else(logon_failed)?;
            let user = state.user(user_name).ok_or_else(logon_failed)?;
            let profile = user.login_profile.as_ref().ok_or_else(logon_failed)?;
            (
                state.record.id.clone(),
                user.id.clone(),
                profile.password_hash.clone(),
                state.record.default_domain(),
            )
        };
        let lock_key = format!("{account}/{user_name}");
        let now = self.env.clock.now();
        let now_s = now.unix_timestamp();
        let policy = &self.config.lockout;
        {
            let mut failures = self.logon_failures.lock();
            let list = failures.entry(lock_key.clone()).or_default();
            list.retain(|t| now_s - t < policy.window_secs.max(policy.lockout_secs));
            let recent = list
                .iter()
                .filter(|t| now_s - **t < policy.window_secs)
                .count();
            if recent >= usize::try_from(policy.max_failures).unwrap_or(usize::MAX) {
                let until = list.last().copied().unwrap_or(now_s) + policy.lockout_secs;
                if now_s < until {
                    return Err(ApiError::new(
                        "LogonLocked",
                        403,
                        format!(
                            "Too many failed logons for this user; logons are refused until {}.",
                            format_timestamp(
                                time::OffsetDateTime::from_unix_timestamp(until).unwrap_or(now)
                            )
                        ),
                    ));
                }
                list.clear();
            }
        }
        let argon = hasher(self)?;
        let password = password.to_owned();
        let ok = tokio::task::spawn_blocking(move || {
            PasswordHash::new(hash.expose())
                .map(|parsed| argon.verify_password(password.as_bytes(), &parsed).is_ok())
                .unwrap_or(false)
        })
        .await
        .map_err(|err| ApiError::internal(format!("password check failed: {err}")))?;
        if !ok {
            self.logon_failures
                .lock()
                .entry(lock_key)
                .or_default()
                .push(now_s);
            return Err(logon_failed());
        }
        self.logon_failures.lock().remove(&lock_key);

        let stamp = format_timestamp(now);
        let user_name = user_name.to_owned();
        self.mutate(&account, |w| {
            let mut u = w
                .account(&account)
                .and_then(|s| s.user(&user_name))
                .cloned()
                .ok_or_else(logon_failed)?;
            u.last_login_date = Some(stamp);
            Ok((vec![Write::put(Record::User(u))], ()))
        })
        .await?;

        let access_key_id = format!("STS.N{}", self.env.ids.string(ALNUM, 24));
        let expires = now + Duration::seconds(self.config.console_session_secs);
        let display = format!("{user_name}@{domain_name}");
        let claims = Claims {
            k: access_key_id.clone(),
            t: SessionKind::User,
            a: account.clone(),
            r: user_id,
            n: user_name.clone(),
            s: String::new(),
            i: self.now_ms(),
            e: expires.unix_timestamp(),
            p: None,
            c: display.clone(),
        };
        Ok(ConsoleCredentials {
            access_key_secret: self.tokens.secret_for(&access_key_id),
            security_token: self.tokens.mint(&claims),
            access_key_id,
            expiration: format_timestamp(expires),
            display_name: display,
            arn: format!("acs:ram::{account}:user/{user_name}"),
        })
    }

    /// Switch Role from a console session: into `role_name` of the account named by alias,
    /// default domain or UID; the session is named after the RAM user.
    pub async fn console_switch_role(
        &self,
        caller: &Caller,
        account: &str,
        role_name: &str,
        ctx: &RequestContext,
    ) -> Result<ConsoleCredentials, ApiError> {
        let Caller::User {
            user_name,
            console: true,
            ..
        } = caller
        else {
            return Err(ApiError::new(
                "NoPermission",
                403,
                "Switch Role needs the console session of a RAM user: log on first.",
            ));
        };
        let (role_account, max) = {
            let w = self.world.read();
            let state = w
                .find_account(account)
                .ok_or_else(|| ApiError::not_exist("Role", "The specified Role not exists."))?;
            let role = state
                .role(role_name)
                .ok_or_else(|| ApiError::not_exist("Role", "The specified Role not exists."))?;
            (state.record.id.clone(), role.max_session_duration)
        };
        let input = AssumeInput {
            role_arn: format!("acs:ram::{role_account}:role/{role_name}"),
            session_name: user_name.clone(),
            duration: Some(max.min(self.config.console_session_secs).max(900)),
            policy: None,
            external_id: None,
        };
        let req = crate::api::ApiRequest {
            product: crate::api::Product::Sts,
            action: "AssumeRole".into(),
            params: crate::api::Params::default(),
            context: ctx.clone(),
        };
        let res = sts::assume_role(self, caller, &input, ctx, SessionKind::Role);
        // Switch Role is an AssumeRole as far as the audit trail is concerned.
        let mut audited = req;
        audited.params.push("RoleArn", input.role_arn.clone());
        self.audit.push(crate::audit::Entry::new(
            self,
            caller,
            &audited,
            res.as_ref().err(),
        ));
        let issued = res?;
        Ok(ConsoleCredentials {
            display_name: format!("{}/{}", issued.role_name, issued.session_name),
            arn: format!(
                "acs:ram::{}:assumed-role/{}/{}",
                issued.account, issued.role_name, issued.session_name
            ),
            access_key_id: issued.access_key_id,
            access_key_secret: issued.secret,
            security_token: issued.token,
            expiration: issued.expiration,
        })
    }
}
