//! The conformance suite: the `# Behavior` bullets of the `Store` trait as checks that every
//! adapter must pass. Each adapter's test calls [`run_all`] on a fresh, empty store.

use std::sync::Arc;

use crossram_store::{ErrorKind, Expect, Op, Store};
use serde_json::json;

/// Runs every check, in order, on one fresh store (each check uses its own key space).
pub(crate) async fn run_all(store: Arc<dyn Store>) {
    get_missing(&*store).await;
    put_versions(&*store).await;
    put_preconditions(&*store).await;
    delete_behaviour(&*store).await;
    list_prefix(&*store).await;
    commit_all_or_nothing(&*store).await;
    commit_in_order(&*store).await;
    invalid_keys(&*store).await;
    values_round_trip(&*store).await;
    concurrent_compare_and_swap(store.clone()).await;
    store.flush().await.unwrap();
    assert!(!store.to_string().is_empty(), "Display names the store");
}

async fn get_missing(s: &dyn Store) {
    assert_eq!(s.get("t1/missing").await.unwrap(), None);
}

async fn put_versions(s: &dyn Store) {
    assert_eq!(s.put("t2/a", json!(1), Expect::Absent).await.unwrap(), 1);
    assert_eq!(s.put("t2/a", json!(2), Expect::Any).await.unwrap(), 2);
    assert_eq!(
        s.put("t2/a", json!(3), Expect::Version(2)).await.unwrap(),
        3
    );
    let r = s.get("t2/a").await.unwrap().unwrap();
    assert_eq!(
        (r.key.as_str(), r.value.clone(), r.version),
        ("t2/a", json!(3), 3)
    );
    // Any on a missing key creates it at version 1.
    assert_eq!(s.put("t2/b", json!(null), Expect::Any).await.unwrap(), 1);
    // Deleted and created again: back to 1.
    assert!(s.delete("t2/a", Expect::Any).await.unwrap());
    assert_eq!(
        s.put("t2/a", json!("again"), Expect::Absent).await.unwrap(),
        1
    );
}

async fn put_preconditions(s: &dyn Store) {
    s.put("t3/a", json!("v1"), Expect::Absent).await.unwrap();
    let e = s.put("t3/a", json!("x"), Expect::Absent).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);
    assert_eq!(e.key(), Some("t3/a"));
    assert!(e.to_string().contains("t3/a"), "{e}");
    let e = s
        .put("t3/a", json!("x"), Expect::Version(7))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);
    let e = s
        .put("t3/none", json!("x"), Expect::Version(1))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);
    assert_eq!(e.key(), Some("t3/none"));
    // Nothing changed.
    let r = s.get("t3/a").await.unwrap().unwrap();
    assert_eq!((r.value, r.version), (json!("v1"), 1));
    assert_eq!(s.get("t3/none").await.unwrap(), None);
}

async fn delete_behaviour(s: &dyn Store) {
    assert!(!s.delete("t4/missing", Expect::Any).await.unwrap());
    assert!(!s.delete("t4/missing", Expect::Absent).await.unwrap());
    let e = s
        .delete("t4/missing", Expect::Version(1))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);
    s.put("t4/a", json!(1), Expect::Absent).await.unwrap();
    s.put("t4/a", json!(2), Expect::Any).await.unwrap();
    let e = s.delete("t4/a", Expect::Version(1)).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);
    let e = s.delete("t4/a", Expect::Absent).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);
    assert!(s.get("t4/a").await.unwrap().is_some());
    assert!(s.delete("t4/a", Expect::Version(2)).await.unwrap());
    assert_eq!(s.get("t4/a").await.unwrap(), None);
    assert!(!s.delete("t4/a", Expect::Any).await.unwrap());
}

async fn list_prefix(s: &dyn Store) {
    for k in [
        "t5/acct/12/x",
        "t5/acct/1/b",
        "t5/acct/1/a",
        "t5/acct/1/a/z",
        "t5/acct/2/a",
    ] {
        s.put(k, json!(k), Expect::Absent).await.unwrap();
    }
    let keys = |rs: Vec<crossram_store::Record>| rs.into_iter().map(|r| r.key).collect::<Vec<_>>();
    assert_eq!(
        keys(s.list("t5/acct/1/").await.unwrap()),
        ["t5/acct/1/a", "t5/acct/1/a/z", "t5/acct/1/b"]
    );
    assert_eq!(
        keys(s.list("t5/acct/1").await.unwrap()),
        [
            "t5/acct/1/a",
            "t5/acct/1/a/z",
            "t5/acct/1/b",
            "t5/acct/12/x"
        ]
    );
    assert!(s.list("t5/nothing/").await.unwrap().is_empty());
    let all = s.list("").await.unwrap();
    assert!(all.windows(2).all(|w| w[0].key < w[1].key), "sorted");
    assert!(all.iter().any(|r| r.key == "t5/acct/2/a"));
    let r = &s.list("t5/acct/2/").await.unwrap()[0];
    assert_eq!((r.value.clone(), r.version), (json!("t5/acct/2/a"), 1));
}

async fn commit_all_or_nothing(s: &dyn Store) {
    s.put("t6/role", json!({"v": 1}), Expect::Absent)
        .await
        .unwrap();
    // The last op fails: nothing of the commit is applied.
    let e = s
        .commit(vec![
            Op::Put {
                key: "t6/role".into(),
                value: json!({"v": 2}).into(),
                expect: Expect::Version(1),
            },
            Op::Put {
                key: "t6/new".into(),
                value: json!(1).into(),
                expect: Expect::Absent,
            },
            Op::Delete {
                key: "t6/role".into(),
                expect: Expect::Any,
            },
            Op::Put {
                key: "t6/other".into(),
                value: json!(1).into(),
                expect: Expect::Version(3),
            },
        ])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);
    assert_eq!(e.key(), Some("t6/other"));
    let r = s.get("t6/role").await.unwrap().unwrap();
    assert_eq!((r.value, r.version), (json!({"v": 1}), 1));
    assert_eq!(s.get("t6/new").await.unwrap(), None);
    // An invalid key anywhere also rejects the whole commit.
    let e = s
        .commit(vec![
            Op::Put {
                key: "t6/new".into(),
                value: json!(1).into(),
                expect: Expect::Absent,
            },
            Op::Delete {
                key: "t6//bad".into(),
                expect: Expect::Any,
            },
        ])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidKey);
    assert_eq!(s.get("t6/new").await.unwrap(), None);
    // A good one: attach-like change of several records.
    let v = s
        .commit(vec![
            Op::Put {
                key: "t6/role".into(),
                value: json!({"v": 2}).into(),
                expect: Expect::Version(1),
            },
            Op::Put {
                key: "t6/role/att/p1".into(),
                value: json!(true).into(),
                expect: Expect::Absent,
            },
            Op::Delete {
                key: "t6/missing".into(),
                expect: Expect::Any,
            },
        ])
        .await
        .unwrap();
    assert_eq!(v, vec![2, 1, 0]);
    assert_eq!(s.commit(vec![]).await.unwrap(), Vec::<u64>::new());
    // Delete a role and its attachments at once.
    let v = s
        .commit(vec![
            Op::Delete {
                key: "t6/role".into(),
                expect: Expect::Version(2),
            },
            Op::Delete {
                key: "t6/role/att/p1".into(),
                expect: Expect::Version(1),
            },
        ])
        .await
        .unwrap();
    assert_eq!(v, vec![0, 0]);
    assert!(s.list("t6/").await.unwrap().is_empty());
}

async fn commit_in_order(s: &dyn Store) {
    let v = s
        .commit(vec![
            Op::Put {
                key: "t7/a".into(),
                value: json!(1).into(),
                expect: Expect::Absent,
            },
            Op::Put {
                key: "t7/a".into(),
                value: json!(2).into(),
                expect: Expect::Version(1),
            },
            Op::Delete {
                key: "t7/a".into(),
                expect: Expect::Version(2),
            },
            Op::Put {
                key: "t7/a".into(),
                value: json!(3).into(),
                expect: Expect::Absent,
            },
        ])
        .await
        .unwrap();
    assert_eq!(v, vec![1, 2, 0, 1]);
    let r = s.get("t7/a").await.unwrap().unwrap();
    assert_eq!((r.value, r.version), (json!(3), 1));
    // A later op that depends on an earlier one of the same commit failing.
    let e = s
        .commit(vec![
            Op::Delete {
                key: "t7/a".into(),
                expect: Expect::Any,
            },
            Op::Put {
                key: "t7/a".into(),
                value: json!(9).into(),
                expect: Expect::Version(1),
            },
        ])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);
    assert_eq!(s.get("t7/a").await.unwrap().unwrap().value, json!(3));
}

async fn invalid_keys(s: &dyn Store) {
    let long = "k/".repeat(600);
    for bad in [
        "",
        "/a",
        "a/",
        "a//b",
        "a\nb",
        "a\u{0}b",
        long.trim_end_matches('/'),
    ] {
        let e = s.put(bad, json!(1), Expect::Any).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidKey, "{bad:?}");
        assert_eq!(s.get(bad).await.unwrap_err().kind(), ErrorKind::InvalidKey);
        assert_eq!(
            s.delete(bad, Expect::Any).await.unwrap_err().kind(),
            ErrorKind::InvalidKey
        );
    }
    assert_eq!(
        s.list("a\nb").await.unwrap_err().kind(),
        ErrorKind::InvalidKey
    );
    // Unusual but valid characters.
    for good in ["t8/ümlaut/名前", "t8/a b/c.d@e-f_g", "t8/\"quoted\"/\\"] {
        assert_eq!(s.put(good, json!(good), Expect::Absent).await.unwrap(), 1);
        assert_eq!(s.get(good).await.unwrap().unwrap().value, json!(good));
    }
}

async fn values_round_trip(s: &dyn Store) {
    let values = [
        json!(null),
        json!(true),
        json!(-12),
        json!(u64::MAX),
        json!(1.5e300),
        json!("line\nbreak \u{2028} \"q\" é 😀"),
        json!([]),
        json!({}),
        json!({"z": 1, "a": [1, {"b": null}], "m": {"y": "x"}}),
    ];
    for (i, v) in values.iter().enumerate() {
        let key = format!("t9/{i}");
        s.put(&key, v.clone(), Expect::Absent).await.unwrap();
        assert_eq!(&s.get(&key).await.unwrap().unwrap().value, v);
    }
    // Object key order is kept.
    let r = s.get("t9/8").await.unwrap().unwrap();
    let keys: Vec<_> = r.value.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["z", "a", "m"]);
}

async fn concurrent_compare_and_swap(s: Arc<dyn Store>) {
    s.put("t10/counter", json!(0), Expect::Absent)
        .await
        .unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move {
                for _ in 0..10 {
                    loop {
                        let r = s.get("t10/counter").await.unwrap().unwrap();
                        let n = r.value.as_u64().unwrap();
                        match s
                            .put("t10/counter", json!(n + 1), Expect::Version(r.version))
                            .await
                        {
                            Ok(_) => break,
                            Err(e) => assert_eq!(e.kind(), ErrorKind::Conflict),
                        }
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let r = s.get("t10/counter").await.unwrap().unwrap();
    assert_eq!(r.value, json!(80), "no lost update");
    assert_eq!(r.version, 81);
}
