//! Model check: random sequences of commits give the same answers and the same final state on
//! the file store as on the memory store, and the same state again after reopening the file
//! store.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "a failing unwrap is a failing assertion in a test"
)]

use crossram_store::{Expect, FileStore, MemoryStore, Op, Store};
use proptest::prelude::*;
use serde_json::json;

fn expect() -> impl Strategy<Value = Expect> {
    prop_oneof![
        Just(Expect::Any),
        Just(Expect::Absent),
        (1u64..4).prop_map(Expect::Version),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let key = prop::sample::select(vec!["m/a", "m/b", "m/a/x", "m/c", "n/a"]);
    prop_oneof![
        3 => (key.clone(), any::<i32>(), expect()).prop_map(|(k, v, e)| Op::Put {
            key: k.into(),
            value: json!({"v": v}).into(),
            expect: e,
        }),
        1 => (key, expect()).prop_map(|(k, e)| Op::Delete { key: k.into(), expect: e }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn file_store_behaves_like_memory_store(commits in prop::collection::vec(prop::collection::vec(op(), 0..4), 1..12)) {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let dir = tempfile::tempdir().unwrap();
        rt.block_on(async {
            let memory = MemoryStore::new();
            let file = FileStore::open(dir.path()).unwrap();
            for ops in commits {
                let a = memory.commit(ops.clone()).await.map_err(|e| (e.kind(), e.key().map(str::to_owned)));
                let b = file.commit(ops).await.map_err(|e| (e.kind(), e.key().map(str::to_owned)));
                assert_eq!(a, b);
            }
            let want = memory.list("").await.unwrap();
            assert_eq!(file.list("").await.unwrap(), want);
            drop(file);
            let reopened = FileStore::open(dir.path()).unwrap();
            assert_eq!(reopened.list("").await.unwrap(), want);
            assert_eq!(reopened.list("m/a").await.unwrap(), memory.list("m/a").await.unwrap());
        });
    }
}
