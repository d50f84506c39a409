//! The [`Engine`]: the world in memory, the store behind it, and the entry points the HTTP front
//! calls.

use std::collections::HashMap;
use std::sync::Arc;

use crossram_core::ApiError;
use crossram_store::{Expect, Op, Store, StoreError};
use parking_lot::{Mutex, RwLock};
use time::OffsetDateTime;

use crate::answer::Answer;
use crate::api::{AccountSeed, ApiRequest, ApiResult, Caller, Product, ResolvedKey, Response};
use crate::audit::{AuditEvent, AuditLog, AuditPage, Entry};
use crate::config::EngineConfig;
use crate::env::{DIGITS, Env};
use crate::model::{AccessKey, AccountRecord, MetaRecord, Record};
use crate::secret::Secret;
use crate::token::{self, TokenKey};
use crate::world::{self, KeyOwner, World, Write};

/// Why an engine could not start.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The store failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The store holds a record the engine cannot read.
    #[error("stored world is unreadable: {0}")]
    Unreadable(String),
}

/// The emulated cloud. Cheap to share: wrap it in an `Arc`.
pub struct Engine {
    pub(crate) world: RwLock<World>,
    store: Arc<dyn Store>,
    pub(crate) env: Env,
    pub(crate) config: EngineConfig,
    pub(crate) tokens: TokenKey,
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    pub(crate) audit: AuditLog,
    pub(crate) logon_failures: Mutex<HashMap<String, Vec<i64>>>,
    pub(crate) rate: Mutex<HashMap<String, (i64, u32)>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("store", &self.store.to_string())
            .field("accounts", &self.world.read().accounts.len())
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// Opens the engine on `store`, loading the world it holds (creating the token key on first
    /// use).
    pub async fn open(
        store: Arc<dyn Store>,
        env: Env,
        config: EngineConfig,
    ) -> Result<Arc<Self>, OpenError> {
        let records = store.list("").await?;
        let loaded = records.into_iter().map(|r| (r.key, r.value)).collect();
        let mut world = world::load(loaded).map_err(OpenError::Unreadable)?;
        if world.orphans() > 0 {
            return Err(OpenError::Unreadable(format!(
                "{} records belong to accounts the store does not hold",
                world.orphans()
            )));
        }
        let key = match &world.meta {
            Some(meta) => decode_key(meta.token_key.expose())
                .ok_or_else(|| OpenError::Unreadable("the token key is not base64".into()))?,
            None => {
                let mut key = vec![0u8; 32];
                env.ids.bytes(&mut key);
                let meta = MetaRecord {
                    token_key: Secret::new(encode_key(&key)),
                };
                let record = Record::Meta(meta);
                let value = record
                    .to_json()
                    .map_err(|e| OpenError::Unreadable(e.to_string()))?;
                store
                    .commit(vec![Op::Put {
                        key: record.key(),
                        value,
                        expect: Expect::Absent,
                    }])
                    .await?;
                world.apply(Write::put(record));
                key
            }
        };
        Ok(Arc::new(Self {
            world: RwLock::new(world),
            store,
            audit: AuditLog::new(config.audit_capacity),
            env,
            config,
            tokens: TokenKey::new(&key),
            locks: Mutex::new(HashMap::new()),
            logon_failures: Mutex::new(HashMap::new()),
            rate: Mutex::new(HashMap::new()),
        }))
    }

    /// Adds an account unless one with that UID exists. Returns whether it was added.
    pub async fn ensure_account(&self, seed: &AccountSeed) -> ApiResult<bool> {
        crossram_core::arn::AccountId::parse(&seed.id)?;
        if let Some(alias) = &seed.alias {
            crossram_core::names::validate_account_alias(alias)?;
        }
        let now = self.timestamp();
        self.mutate("", |w| {
            if w.account(&seed.id).is_some() {
                return Ok((Vec::new(), false));
            }
            if w.key_owner(&seed.access_key_id).is_some() {
                return Err(ApiError::invalid_parameter(format!(
                    "AccessKeyId {} is already in use by another identity.",
                    seed.access_key_id
                )));
            }
            if let Some(alias) = &seed.alias
                && w.alias_taken(alias)
            {
                return Err(ApiError::already_exists(
                    "AccountAlias",
                    "The account alias does already exist.",
                ));
            }
            let record = AccountRecord {
                id: seed.id.clone(),
                alias: seed.alias.clone(),
                root_keys: vec![AccessKey {
                    id: seed.access_key_id.clone(),
                    secret: seed.access_key_secret.clone(),
                    status: "Active".into(),
                    create_date: now.clone(),
                }],
                create_date: now.clone(),
            };
            Ok((vec![Write::put(Record::Account(record))], true))
        })
        .await
    }

    /// Account UIDs, sorted.
    pub fn account_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.world.read().accounts.keys().cloned().collect();
        ids.sort();
        ids
    }

    /// Who an AccessKeyId (and security token) stands for, and the secret its requests must be
    /// signed with. Checks, in the order of the real service: the key is known; an STS key's
    /// token is present, intact, belongs to the key and has not expired; the role behind it
    /// still exists and was not revoked.
    pub fn resolve_key(
        &self,
        access_key_id: &str,
        security_token: Option<&str>,
    ) -> ApiResult<ResolvedKey> {
        if access_key_id.starts_with("STS.") {
            let token = security_token.filter(|t| !t.is_empty()).ok_or_else(|| {
                ApiError::new(
                    "MissingSecurityToken",
                    400,
                    "SecurityToken is mandatory for this action.",
                )
            })?;
            let now = self.env.clock.now();
            let opened = self
                .tokens
                .open(token, access_key_id, now.unix_timestamp())?;
            let caller = crate::sts::session_caller(self, &opened)?;
            return Ok(ResolvedKey {
                secret: opened.secret,
                caller,
            });
        }
        let w = self.world.read();
        let not_found = || {
            ApiError::new(
                "InvalidAccessKeyId.NotFound",
                404,
                "Specified access key is not found.",
            )
        };
        let owner = w.key_owner(access_key_id).ok_or_else(not_found)?;
        let (key, caller) = match owner {
            KeyOwner::Root { account } => {
                let state = w.account(account).ok_or_else(not_found)?;
                let key = state
                    .record
                    .root_keys
                    .iter()
                    .find(|k| k.id == access_key_id)
                    .ok_or_else(not_found)?;
                (
                    key,
                    Caller::Root {
                        account: account.clone(),
                    },
                )
            }
            KeyOwner::User { account, user_name } => {
                let user = w
                    .account(account)
                    .and_then(|s| s.user(user_name))
                    .ok_or_else(not_found)?;
                let key = user
                    .access_keys
                    .iter()
                    .find(|k| k.id == access_key_id)
                    .ok_or_else(not_found)?;
                (
                    key,
                    Caller::User {
                        account: account.clone(),
                        user_id: user.id.clone(),
                        user_name: user.name.clone(),
                        console: false,
                    },
                )
            }
        };
        if key.status != "Active" {
            return Err(ApiError::new(
                "InvalidAccessKeyId.Inactive",
                400,
                "Specified access key is disabled.",
            ));
        }
        Ok(ResolvedKey {
            secret: key.secret.clone(),
            caller,
        })
    }

    /// Carries out one authenticated call: authorization, then the action. Every call, allowed
    /// or refused, leaves an audit event.
    pub async fn call(&self, caller: &Caller, req: &ApiRequest) -> ApiResult<Response> {
        self.answer(caller, req).await.map(Answer::into_fields)
    }

    /// [`Engine::call`], with the answer in the form the HTTP front renders fastest: the calls
    /// made most often answer with their JSON already written.
    pub async fn answer(&self, caller: &Caller, req: &ApiRequest) -> ApiResult<Answer> {
        let res = match req.product {
            Product::Ram => crate::ram::dispatch(self, caller, req).await,
            Product::Sts => crate::sts::dispatch(self, caller, req).await,
            Product::Ecs => crate::ecs::dispatch(self, caller, req)
                .await
                .map(Answer::Fields),
        };
        self.record_call(caller, req, res.as_ref().err());
        res
    }

    /// Audit events visible to `account`: calls made by its identities, and calls made on its
    /// resources by anyone (so A sees what B's people did with A's role).
    pub fn audit_events(&self, account: &str) -> Vec<AuditEvent> {
        self.audit.visible_to(account)
    }

    /// One page of [`Engine::audit_events`]: up to `max` of them after the one numbered
    /// `after` (a previous page's last), oldest first.
    pub fn audit_page(&self, account: &str, after: Option<u64>, max: usize) -> AuditPage {
        self.audit.page(account, after, max)
    }

    /// Makes everything written durable (at shutdown).
    pub async fn flush(&self) -> Result<(), StoreError> {
        self.store.flush().await
    }

    /// Runs a change under the lock of `account` (`""` for changes that create accounts):
    /// computes the writes from the current world, commits them to the store, then applies them.
    pub(crate) async fn mutate<T>(
        &self,
        account: &str,
        f: impl FnOnce(&World) -> ApiResult<(Vec<Write>, T)>,
    ) -> ApiResult<T> {
        let lock = {
            let mut locks = self.locks.lock();
            locks.entry(account.to_owned()).or_default().clone()
        };
        let _guard = lock.lock().await;
        let (writes, out) = {
            let w = self.world.read();
            f(&w)?
        };
        if writes.is_empty() {
            return Ok(out);
        }
        let mut ops = Vec::with_capacity(writes.len());
        for write in &writes {
            ops.push(match write {
                Write::Put(record) => Op::Put {
                    key: record.key(),
                    value: record
                        .to_json()
                        .map_err(|e| ApiError::internal(format!("cannot encode a record: {e}")))?,
                    expect: Expect::Any,
                },
                Write::Delete(key) => Op::Delete {
                    key: key.clone(),
                    expect: Expect::Any,
                },
            });
        }
        self.store.commit(ops).await.map_err(|e| {
            tracing::error!(error = %e, "store commit failed");
            ApiError::internal(format!("The change could not be stored: {e}"))
        })?;
        world::apply_all(&mut self.world.write(), writes);
        Ok(out)
    }

    /// Now, as `YYYY-MM-DDThh:mm:ssZ`.
    pub(crate) fn timestamp(&self) -> String {
        format_timestamp(self.env.clock.now())
    }

    /// Now, unix milliseconds.
    pub(crate) fn now_ms(&self) -> i64 {
        i64::try_from(self.env.clock.now().unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
    }

    /// A numeric id like RAM's (`2` + 17 digits for users, `3` + 17 for roles).
    pub(crate) fn numeric_id(&self, lead: char) -> String {
        format!("{lead}{}", self.env.ids.string(DIGITS, 17))
    }

    fn record_call(&self, caller: &Caller, req: &ApiRequest, err: Option<&ApiError>) {
        self.audit.push(Entry::new(self, caller, req, err));
    }
}

/// Formats a time as `YYYY-MM-DDThh:mm:ssZ` (UTC, whole seconds); empty outside years
/// 0000-9999.
pub(crate) fn format_timestamp(t: OffsetDateTime) -> String {
    let Some(stamp) = crate::env::utc_stamp(t) else {
        return String::new();
    };
    let mut out = String::with_capacity(20);
    out.push_str(stamp.get(..19).unwrap_or_default());
    out.push('Z');
    out
}

fn encode_key(key: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(key)
}

fn decode_key(text: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

/// The error for a token whose role is gone or whose sessions were revoked.
pub(crate) fn dead_session(why: &str) -> ApiError {
    token::expired(&format!("Specified SecurityToken is expired: {why}."))
}

#[cfg(test)]
mod tests {
    use time::format_description::well_known::Rfc3339;

    use super::*;

    #[test]
    fn timestamps_match_rfc3339_in_whole_seconds() {
        // Every 7,919 seconds (a prime, so hours, minutes and seconds all vary) over 60 years,
        // plus the edges, each compared with the time crate's own RFC 3339 output.
        let start = time::macros::datetime!(1990-01-01 00:00:00 UTC).unix_timestamp();
        let mut samples: Vec<i64> = (0..240_000).map(|i| start + i * 7_919).collect();
        samples.extend([0, 253_402_300_799, -62_167_219_200]);
        for secs in samples {
            let t = OffsetDateTime::from_unix_timestamp(secs).unwrap();
            let want = t.format(&Rfc3339).unwrap();
            assert_eq!(format_timestamp(t), want);
            let nanos = t + time::Duration::nanoseconds(999_999_999);
            assert_eq!(format_timestamp(nanos), want, "fractions are dropped");
        }
        let east = time::macros::datetime!(2026-11-29 09:30:00 +08:00);
        assert_eq!(format_timestamp(east), "2026-11-29T01:30:00Z");
        let before_year_zero = time::macros::datetime!(-0001-12-31 23:59:59 UTC);
        assert_eq!(format_timestamp(before_year_zero), "");
    }
}
