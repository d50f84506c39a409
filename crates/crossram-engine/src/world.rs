//! The world in memory: every record, indexed for the lookups the hot paths make (an AccessKeyId
//! to its owner, an alias to its account). Only [`World::apply`] changes it, and only after the
//! store has acknowledged the same change.

use std::collections::BTreeMap;

// foldhash (hashbrown's default, randomly seeded per process) instead of SipHash: every request
// looks keys and accounts up here.
use hashbrown::HashMap;

use crate::model::{
    AccountRecord, GroupRecord, InstanceRecord, MetaRecord, PolicyRecord, Record, RoleRecord,
    UserRecord,
};

/// Who owns an AccessKey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyOwner {
    /// The account's root identity.
    Root { account: String },
    /// A RAM user.
    User { account: String, user_name: String },
}

/// One account's entities.
#[derive(Debug, Clone)]
pub(crate) struct AccountState {
    pub(crate) record: AccountRecord,
    pub(crate) users: BTreeMap<String, UserRecord>,
    pub(crate) groups: BTreeMap<String, GroupRecord>,
    pub(crate) roles: BTreeMap<String, RoleRecord>,
    pub(crate) policies: BTreeMap<String, PolicyRecord>,
    pub(crate) instances: BTreeMap<String, InstanceRecord>,
}

impl AccountState {
    fn new(record: AccountRecord) -> Self {
        Self {
            record,
            users: BTreeMap::new(),
            groups: BTreeMap::new(),
            roles: BTreeMap::new(),
            policies: BTreeMap::new(),
            instances: BTreeMap::new(),
        }
    }
}

/// A change to write: a record to put, or a key to delete.
#[derive(Debug, Clone)]
pub(crate) enum Write {
    Put(Box<Record>),
    Delete(String),
}

impl Write {
    /// A record to put.
    pub(crate) fn put(record: Record) -> Self {
        Self::Put(Box::new(record))
    }
}

/// Every account and the indexes over them.
#[derive(Debug, Default)]
pub(crate) struct World {
    pub(crate) meta: Option<MetaRecord>,
    pub(crate) accounts: HashMap<String, AccountState>,
    aliases: HashMap<String, String>,
    keys: HashMap<String, KeyOwner>,
    /// Records whose account was not loaded yet (load order is by key, so this stays empty
    /// unless the store holds entities of a missing account).
    orphans: usize,
}

impl World {
    pub(crate) fn account(&self, id: &str) -> Option<&AccountState> {
        self.accounts.get(id)
    }

    /// The account an alias, a default domain (`<alias>.onaliyun.com`) or a UID designates.
    pub(crate) fn find_account(&self, name: &str) -> Option<&AccountState> {
        let name = name.trim();
        let alias = name.strip_suffix(".onaliyun.com").unwrap_or(name);
        if let Some(id) = self.aliases.get(alias) {
            return self.accounts.get(id);
        }
        self.accounts.get(alias)
    }

    pub(crate) fn key_owner(&self, access_key_id: &str) -> Option<&KeyOwner> {
        self.keys.get(access_key_id)
    }

    pub(crate) fn alias_taken(&self, alias: &str) -> bool {
        self.aliases.contains_key(alias)
    }

    pub(crate) fn orphans(&self) -> usize {
        self.orphans
    }

    /// Applies one acknowledged change.
    pub(crate) fn apply(&mut self, write: Write) {
        match write {
            Write::Put(record) => self.put(*record),
            Write::Delete(key) => self.delete(&key),
        }
    }

    fn put(&mut self, record: Record) {
        match record {
            Record::Meta(m) => self.meta = Some(m),
            Record::Account(a) => {
                let id = a.id.clone();
                if let Some(old) = self.accounts.get(&id) {
                    let old = old.record.clone();
                    self.unindex_account(&old);
                }
                self.index_account(&a);
                match self.accounts.get_mut(&id) {
                    Some(state) => state.record = a,
                    None => {
                        self.accounts.insert(id, AccountState::new(a));
                    }
                }
            }
            Record::User(u) => {
                let Some(state) = self.accounts.get_mut(&u.account) else {
                    self.orphans += 1;
                    return;
                };
                if let Some(old) = state.users.get(&u.name) {
                    for k in &old.access_keys {
                        self.keys.remove(&k.id);
                    }
                }
                for k in &u.access_keys {
                    self.keys.insert(
                        k.id.clone(),
                        KeyOwner::User {
                            account: u.account.clone(),
                            user_name: u.name.clone(),
                        },
                    );
                }
                state.users.insert(u.name.clone(), u);
            }
            Record::Group(g) => self.with_account(&g.account.clone(), |s| {
                s.groups.insert(g.name.clone(), g);
            }),
            Record::Role(r) => self.with_account(&r.account.clone(), |s| {
                s.roles.insert(r.name.clone(), r);
            }),
            Record::Policy(p) => self.with_account(&p.account.clone(), |s| {
                s.policies.insert(p.name.clone(), p);
            }),
            Record::Instance(i) => self.with_account(&i.account.clone(), |s| {
                s.instances.insert(i.id.clone(), i);
            }),
        }
    }

    fn with_account(&mut self, account: &str, f: impl FnOnce(&mut AccountState)) {
        match self.accounts.get_mut(account) {
            Some(state) => f(state),
            None => self.orphans += 1,
        }
    }

    fn delete(&mut self, key: &str) {
        let parts: Vec<&str> = key.split('/').collect();
        match parts.as_slice() {
            ["meta"] => self.meta = None,
            ["acct", id] => {
                if let Some(state) = self.accounts.remove(*id) {
                    self.unindex_account(&state.record);
                    for u in state.users.values() {
                        for k in &u.access_keys {
                            self.keys.remove(&k.id);
                        }
                    }
                }
            }
            ["acct", id, kind, name] => {
                let Some(state) = self.accounts.get_mut(*id) else {
                    return;
                };
                match *kind {
                    "user" => {
                        if let Some(u) = state.users.remove(*name) {
                            for k in &u.access_keys {
                                self.keys.remove(&k.id);
                            }
                        }
                    }
                    "group" => {
                        state.groups.remove(*name);
                    }
                    "role" => {
                        state.roles.remove(*name);
                    }
                    "policy" => {
                        state.policies.remove(*name);
                    }
                    "instance" => {
                        state.instances.remove(*name);
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }

    fn index_account(&mut self, a: &AccountRecord) {
        if let Some(alias) = &a.alias {
            self.aliases.insert(alias.clone(), a.id.clone());
        }
        for k in &a.root_keys {
            self.keys.insert(
                k.id.clone(),
                KeyOwner::Root {
                    account: a.id.clone(),
                },
            );
        }
    }

    fn unindex_account(&mut self, a: &AccountRecord) {
        if let Some(alias) = &a.alias {
            self.aliases.remove(alias);
        }
        for k in &a.root_keys {
            self.keys.remove(&k.id);
        }
    }
}

/// Applies several changes in order.
pub(crate) fn apply_all(world: &mut World, writes: Vec<Write>) {
    for w in writes {
        world.apply(w);
    }
}

/// Sort records for loading: accounts before their entities.
pub(crate) fn load_order(key: &str) -> (u8, &str) {
    let depth = key.split('/').count();
    (u8::try_from(depth).unwrap_or(u8::MAX), key)
}

/// Records, keyed, as an engine builds them from a store listing.
pub(crate) type Loaded = Vec<(String, serde_json::Value)>;

/// Builds the world from stored records.
pub(crate) fn load(mut records: Loaded) -> Result<World, String> {
    records.sort_by(|a, b| load_order(&a.0).cmp(&load_order(&b.0)));
    let mut world = World::default();
    for (key, value) in records {
        let record = Record::from_stored(&key, value)?;
        world.apply(Write::put(record));
    }
    Ok(world)
}

/// Helpers shared by handlers that look entities up.
impl AccountState {
    pub(crate) fn role(&self, name: &str) -> Option<&RoleRecord> {
        self.roles.get(name)
    }

    pub(crate) fn user(&self, name: &str) -> Option<&UserRecord> {
        self.users.get(name)
    }
}
