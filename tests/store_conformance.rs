//! The store conformance suite: every behaviour of [`Store`] that domain code relies on, checked
//! on the in-memory store and on DynamoDB (the moto emulator; skipped without
//! `AWS_ENDPOINT_URL`). Both backends must agree, and agree with AWS.

use domain::store::{
    read_modify_write, Condition, Decision, Item, QueryOpts, Store, StoreError, WriteOp,
    MAX_TRANSACTION_ITEMS,
};
use serde_json::{json, Value};
use std::sync::Arc;

fn item(pk: &str, sk: &str, data: Value) -> Item {
    Item::new(pk, sk, &data)
}

fn put_op(item: Item, condition: Condition) -> WriteOp {
    WriteOp::Put { item, condition }
}

fn delete_op(pk: &str, sk: &str, condition: Condition) -> WriteOp {
    WriteOp::Delete {
        pk: pk.into(),
        sk: sk.into(),
        condition,
    }
}

fn check_op(pk: &str, sk: &str, condition: Condition) -> WriteOp {
    WriteOp::Check {
        pk: pk.into(),
        sk: sk.into(),
        condition,
    }
}

async fn get(store: &dyn Store, pk: &str, sk: &str) -> Option<Item> {
    store.get(pk, sk).await.expect("get")
}

async fn put(store: &dyn Store, item: Item) {
    store.put(item, Condition::None).await.expect("put");
}

fn sks(items: &[Item]) -> Vec<&str> {
    items.iter().map(|i| i.sk.as_str()).collect()
}

#[track_caller]
fn assert_condition_failed<T: std::fmt::Debug>(r: Result<T, StoreError>) {
    match r {
        Err(StoreError::ConditionFailed { index: None }) => {}
        other => panic!("expected ConditionFailed {{ index: None }}, got {other:?}"),
    }
}

#[track_caller]
fn assert_invalid<T: std::fmt::Debug>(r: Result<T, StoreError>) {
    match r {
        Err(StoreError::Invalid(_)) => {}
        other => panic!("expected Invalid, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// put / get

integration_tests::both_backends!(put_get_round_trip, |store| {
    let rich = Item {
        pk: "LEARNER#李嘉民".into(),
        sk: "PROFILE#ü🙂".into(),
        version: 7,
        expires_at: Some(1_900_000_000),
        data: json!({
            "name": "李嘉民 Zoë 🙂",
            "empty": "",
            "zero": 0,
            "n": 12,
            "neg": -3,
            "max": i64::MAX,
            "min": i64::MIN,
            "umax": u64::MAX,
            "yes": true,
            "no": false,
            "none": null,
            "list": ["a", 1, -1, true, null, {"k": "v"}, [], [[1, 2], ["x"]]],
            "obj": {"x": "y", "deep": {"deeper": {"n": -42, "s": "ß", "l": [null]}}, "e": {}},
            "emptyList": [],
            "emptyObj": {},
            // reserved names are only reserved at the top level
            "nested": {"PK": "p", "SK": "s", "ver": 1, "ttl": 2},
        }),
    };
    put(&*store, rich.clone()).await;
    assert_eq!(get(&*store, &rich.pk, &rich.sk).await, Some(rich.clone()));

    // Defaults: version 1, no expiry, empty object.
    let plain = item("P", "S", json!({}));
    assert_eq!((plain.version, plain.expires_at), (1, None));
    put(&*store, plain.clone()).await;
    assert_eq!(get(&*store, "P", "S").await, Some(plain));

    // Expiry is advisory: an expired item is still stored and returned (and still "exists").
    let expired = item("P", "EXPIRED", json!({"a": 1})).expiring(1_000);
    put(&*store, expired.clone()).await;
    let back = get(&*store, "P", "EXPIRED")
        .await
        .expect("expired item still readable");
    assert_eq!(back, expired);
    assert!(!back.is_live(2_000) && back.is_live(999));
    assert_condition_failed(
        store
            .put(expired.next(&json!({})), Condition::NotExists)
            .await,
    );

    // Keys are exact: neither a neighbouring sort key nor partition is found.
    assert_eq!(get(&*store, &rich.pk, "PROFILE#ü").await, None);
    assert_eq!(get(&*store, "LEARNER#李", &rich.sk).await, None);
    assert_eq!(get(&*store, "p", "S").await, None);
});

integration_tests::both_backends!(get_missing_is_none, |store| {
    assert_eq!(get(&*store, "NOPE", "NOPE").await, None);
    put(&*store, item("A", "1", json!({}))).await;
    assert_eq!(get(&*store, "A", "2").await, None);
    assert_eq!(get(&*store, "B", "1").await, None);
});

integration_tests::both_backends!(invalid_items_are_rejected, |store| {
    let bad: Vec<Item> = vec![
        item("A", "pk", json!({"PK": "x"})),
        item("A", "sk", json!({"SK": "x"})),
        item("A", "ver", json!({"ver": 2})),
        item("A", "ttl", json!({"ttl": 5, "ok": 1})),
        item("A", "array", json!([1, 2])),
        item("A", "string", json!("text")),
        item("A", "number", json!(3)),
        item("A", "null", Value::Null),
        item("", "emptypk", json!({})),
        item("A", "", json!({})),
    ];
    for it in bad {
        let what = format!("{}/{}", it.pk, it.sk);
        assert_invalid(store.put(it.clone(), Condition::None).await);
        assert_invalid(store.put(it.clone(), Condition::NotExists).await);
        assert_invalid(
            store
                .transact(vec![put_op(it.clone(), Condition::None)])
                .await,
        );
        assert_invalid(
            store
                .transact(vec![
                    put_op(item("A", "good", json!({})), Condition::None),
                    put_op(it.clone(), Condition::None),
                ])
                .await,
        );
        assert_invalid(
            store
                .batch_put(vec![item("A", "good", json!({})), it])
                .await,
        );
        assert_eq!(
            get(&*store, "A", "good").await,
            None,
            "{what}: nothing written"
        );
    }
    assert!(store
        .query("A", "", QueryOpts::ALL)
        .await
        .unwrap()
        .is_empty());
});

// ---------------------------------------------------------------------------------------------
// conditions

integration_tests::both_backends!(condition_not_exists, |store| {
    let first = item("C", "1", json!({"v": "first"}));
    store
        .put(first.clone(), Condition::NotExists)
        .await
        .expect("absent: written");
    let second = item("C", "1", json!({"v": "second"}));
    assert_condition_failed(store.put(second, Condition::NotExists).await);
    assert_eq!(get(&*store, "C", "1").await, Some(first), "unchanged");
});

integration_tests::both_backends!(condition_exists, |store| {
    assert_condition_failed(
        store
            .put(item("C", "1", json!({})), Condition::Exists)
            .await,
    );
    assert_eq!(get(&*store, "C", "1").await, None, "nothing written");

    let first = item("C", "1", json!({"v": 1}));
    put(&*store, first.clone()).await;
    let replaced = first.next(&json!({"v": 2}));
    store
        .put(replaced.clone(), Condition::Exists)
        .await
        .expect("exists: written");
    assert_eq!(get(&*store, "C", "1").await, Some(replaced));
});

integration_tests::both_backends!(condition_version, |store| {
    // Version(_) on a missing item fails.
    assert_condition_failed(
        store
            .put(item("C", "1", json!({})), Condition::Version(1))
            .await,
    );
    assert_condition_failed(
        store
            .put(item("C", "1", json!({})), Condition::Version(0))
            .await,
    );
    assert_eq!(get(&*store, "C", "1").await, None);

    let v1 = item("C", "1", json!({"v": 1}));
    put(&*store, v1.clone()).await;
    let v2 = v1.next(&json!({"v": 2}));
    for wrong in [0, 2, 3, u64::MAX] {
        assert_condition_failed(store.put(v2.clone(), Condition::Version(wrong)).await);
    }
    assert_eq!(get(&*store, "C", "1").await, Some(v1.clone()), "unchanged");

    store
        .put(v2.clone(), Condition::Version(1))
        .await
        .expect("exact version: written");
    assert_eq!(get(&*store, "C", "1").await, Some(v2.clone()));
    // The version read before is stale now.
    assert_condition_failed(
        store
            .put(v1.next(&json!({"v": "lost"})), Condition::Version(1))
            .await,
    );
    let v3 = v2.next(&json!({"v": 3}));
    store
        .put(v3.clone(), Condition::Version(2))
        .await
        .expect("next version");
    assert_eq!(
        get(&*store, "C", "1").await.map(|i| (i.version, i.data)),
        Some((3, json!({"v": 3})))
    );
});

integration_tests::both_backends!(condition_none_overwrites, |store| {
    let a = item("C", "1", json!({"a": 1, "gone": true})).expiring(5_000_000_000);
    put(&*store, a).await;
    // Whole-item replacement: old attributes and expiry do not survive, the version is as given.
    let b = Item {
        version: 1,
        ..item("C", "1", json!({"b": 2}))
    };
    store
        .put(b.clone(), Condition::None)
        .await
        .expect("overwrite");
    assert_eq!(get(&*store, "C", "1").await, Some(b));
});

// ---------------------------------------------------------------------------------------------
// delete

integration_tests::both_backends!(delete_returns_old_item, |store| {
    let it = item("D", "1", json!({"name": "Ωmega", "list": [1, {"x": null}]})).expiring(42);
    let it = Item { version: 5, ..it };
    put(&*store, it.clone()).await;
    put(&*store, item("D", "2", json!({}))).await;

    assert_eq!(
        store.delete("D", "1", Condition::None).await.unwrap(),
        Some(it)
    );
    assert_eq!(get(&*store, "D", "1").await, None);
    assert!(
        get(&*store, "D", "2").await.is_some(),
        "neighbour untouched"
    );
    // Deleting again: nothing there.
    assert_eq!(store.delete("D", "1", Condition::None).await.unwrap(), None);
});

integration_tests::both_backends!(delete_conditions, |store| {
    assert_eq!(
        store.delete("D", "missing", Condition::None).await.unwrap(),
        None
    );
    assert_eq!(
        store
            .delete("D", "missing", Condition::NotExists)
            .await
            .unwrap(),
        None
    );
    assert_condition_failed(store.delete("D", "missing", Condition::Exists).await);
    assert_condition_failed(store.delete("D", "missing", Condition::Version(1)).await);

    let it = Item {
        version: 3,
        ..item("D", "1", json!({"k": "v"}))
    };
    put(&*store, it.clone()).await;
    assert_condition_failed(store.delete("D", "1", Condition::NotExists).await);
    assert_condition_failed(store.delete("D", "1", Condition::Version(2)).await);
    assert_eq!(
        get(&*store, "D", "1").await,
        Some(it.clone()),
        "failed deletes leave it"
    );
    assert_eq!(
        store.delete("D", "1", Condition::Version(3)).await.unwrap(),
        Some(it.clone())
    );
    assert_eq!(get(&*store, "D", "1").await, None);

    put(&*store, it.clone()).await;
    assert_eq!(
        store.delete("D", "1", Condition::Exists).await.unwrap(),
        Some(it)
    );
    assert_condition_failed(store.delete("D", "1", Condition::Exists).await);
});

integration_tests::both_backends!(concurrent_deletes_have_one_winner, |store| {
    let it = item("D", "once", json!({"token": "t"}));
    put(&*store, it.clone()).await;
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = Arc::clone(&store);
            tokio::spawn(async move { store.delete("D", "once", Condition::Exists).await })
        })
        .collect();
    let mut winners = 0;
    for t in tasks {
        match t.await.expect("task") {
            Ok(Some(got)) => {
                assert_eq!(got, it);
                winners += 1;
            }
            Err(StoreError::ConditionFailed { index: None }) => {}
            other => panic!("unexpected delete result {other:?}"),
        }
    }
    assert_eq!(winners, 1, "exactly one deleter receives the item");
    assert_eq!(get(&*store, "D", "once").await, None);
});

// ---------------------------------------------------------------------------------------------
// query

integration_tests::both_backends!(query_by_prefix, |store| {
    let keys = [
        ("A", "ORDER#003"),
        ("A", "ORDER#001"),
        ("A", "ORDER#002"),
        ("A", "ORDER"),
        ("A", "ORDERS"),
        ("A", "ORDER#"),
        ("A", "order#004"),
        ("A", "PROFILE"),
        ("A", "AAA"),
        ("B", "ORDER#000"),
        ("B", "ORDER#009"),
        ("AB", "ORDER#005"),
    ];
    store
        .batch_put(
            keys.iter()
                .map(|(pk, sk)| item(pk, sk, json!({"pk": pk, "sk": sk})))
                .collect(),
        )
        .await
        .unwrap();

    let got = store.query("A", "ORDER#", QueryOpts::ALL).await.unwrap();
    assert_eq!(sks(&got), ["ORDER#", "ORDER#001", "ORDER#002", "ORDER#003"]);
    assert!(got
        .iter()
        .all(|i| i.pk == "A" && i.data["pk"] == "A" && i.version == 1));

    let got = store.query("A", "ORDER", QueryOpts::ALL).await.unwrap();
    assert_eq!(
        sks(&got),
        [
            "ORDER",
            "ORDER#",
            "ORDER#001",
            "ORDER#002",
            "ORDER#003",
            "ORDERS"
        ]
    );

    // An empty prefix is the whole partition, in byte order (upper case before lower case).
    let got = store.query("A", "", QueryOpts::ALL).await.unwrap();
    assert_eq!(
        sks(&got),
        [
            "AAA",
            "ORDER",
            "ORDER#",
            "ORDER#001",
            "ORDER#002",
            "ORDER#003",
            "ORDERS",
            "PROFILE",
            "order#004"
        ]
    );
    // A prefix equal to a whole key matches it.
    assert_eq!(
        sks(&store.query("A", "PROFILE", QueryOpts::ALL).await.unwrap()),
        ["PROFILE"]
    );
    assert_eq!(
        sks(&store.query("B", "ORDER#", QueryOpts::ALL).await.unwrap()),
        ["ORDER#000", "ORDER#009"]
    );
    assert!(store
        .query("A", "ORDER#01", QueryOpts::ALL)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .query("A", "PROFILES", QueryOpts::ALL)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .query("C", "", QueryOpts::ALL)
        .await
        .unwrap()
        .is_empty());
});

integration_tests::both_backends!(query_unicode_sort_order, |store| {
    // DynamoDB orders string sort keys by their UTF-8 bytes.
    let keys = ["é", "z", "B", "a", "Z", "日本", "🙂", "ß", "a0", "a#", "~"];
    for sk in keys {
        put(&*store, item("U", sk, json!({}))).await;
    }
    let mut expected: Vec<&str> = keys.to_vec();
    expected.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    let got = store.query("U", "", QueryOpts::ALL).await.unwrap();
    assert_eq!(sks(&got), expected);
    let got = store.query("U", "a", QueryOpts::ALL).await.unwrap();
    assert_eq!(sks(&got), ["a", "a#", "a0"]);
});

integration_tests::both_backends!(query_order_and_limit, |store| {
    let items: Vec<Item> = (0..10)
        .map(|i| item("Q", &format!("EV#{i:02}"), json!({"i": i})))
        .collect();
    store.batch_put(items).await.unwrap();
    put(&*store, item("Q", "FW#00", json!({}))).await;
    put(&*store, item("Q", "EA", json!({}))).await;

    let q = |limit, newest_first| QueryOpts {
        limit,
        newest_first,
    };
    let all = store.query("Q", "EV#", q(None, false)).await.unwrap();
    assert_eq!(
        sks(&all),
        (0..10).map(|i| format!("EV#{i:02}")).collect::<Vec<_>>()
    );
    assert!(all
        .iter()
        .enumerate()
        .all(|(i, it)| it.data == json!({"i": i})));

    let desc = store.query("Q", "EV#", q(None, true)).await.unwrap();
    assert_eq!(
        sks(&desc),
        (0..10)
            .rev()
            .map(|i| format!("EV#{i:02}"))
            .collect::<Vec<_>>()
    );

    assert_eq!(
        sks(&store.query("Q", "EV#", q(Some(3), false)).await.unwrap()),
        ["EV#00", "EV#01", "EV#02"]
    );
    assert_eq!(
        sks(&store.query("Q", "EV#", QueryOpts::newest(3)).await.unwrap()),
        ["EV#09", "EV#08", "EV#07"]
    );
    assert_eq!(
        sks(&store.query("Q", "EV#", q(Some(1), true)).await.unwrap()),
        ["EV#09"]
    );
    assert_eq!(
        store
            .query("Q", "EV#", q(Some(10), false))
            .await
            .unwrap()
            .len(),
        10
    );
    assert_eq!(
        store
            .query("Q", "EV#", q(Some(11), true))
            .await
            .unwrap()
            .len(),
        10
    );
    assert_eq!(
        store
            .query("Q", "EV#", q(Some(1000), false))
            .await
            .unwrap()
            .len(),
        10
    );
    assert_eq!(
        store.query("Q", "", q(Some(2), true)).await.unwrap().len(),
        2
    );
    assert_eq!(
        sks(&store.query("Q", "", q(Some(2), true)).await.unwrap()),
        ["FW#00", "EV#09"]
    );
    assert_eq!(
        sks(&store.query("Q", "", q(Some(2), false)).await.unwrap()),
        ["EA", "EV#00"]
    );
    assert!(store
        .query("Q", "X", QueryOpts::newest(5))
        .await
        .unwrap()
        .is_empty());
});

integration_tests::both_backends!(query_large_partition_pages, |store| {
    // 300 items of ~4 KB: 1.2 MB, more than one DynamoDB query page (1 MB).
    const N: usize = 300;
    let filler = "x".repeat(4000);
    let items: Vec<Item> = (0..N)
        .map(|i| {
            item(
                "BIG",
                &format!("ITEM#{i:04}"),
                json!({"i": i, "filler": filler}),
            )
        })
        .collect();
    store.batch_put(items).await.unwrap();
    put(&*store, item("BIG", "OTHER", json!({}))).await;

    let expected: Vec<String> = (0..N).map(|i| format!("ITEM#{i:04}")).collect();
    let all = store.query("BIG", "ITEM#", QueryOpts::ALL).await.unwrap();
    assert_eq!(sks(&all), expected);
    assert!(all
        .iter()
        .enumerate()
        .all(|(i, it)| it.data["i"] == i && it.data["filler"] == filler));

    let desc = store
        .query(
            "BIG",
            "ITEM#",
            QueryOpts {
                limit: None,
                newest_first: true,
            },
        )
        .await
        .unwrap();
    let rev: Vec<String> = expected.iter().rev().cloned().collect();
    assert_eq!(sks(&desc), rev);

    // A limit beyond the first page.
    let some = store
        .query(
            "BIG",
            "ITEM#",
            QueryOpts {
                limit: Some(280),
                newest_first: false,
            },
        )
        .await
        .unwrap();
    assert_eq!(sks(&some), &expected[..280]);
    let whole = store.query("BIG", "", QueryOpts::ALL).await.unwrap();
    assert_eq!(whole.len(), N + 1);
});

// ---------------------------------------------------------------------------------------------
// query_after (one page from a cursor: the public list of conversion rules)

/// Every page of `pk`'s items under `prefix`, `limit` at a time, each from where the previous
/// ended: the pages' sort keys, and the `more` of each.
async fn walk(
    store: &dyn Store,
    pk: &str,
    prefix: &str,
    limit: usize,
) -> (Vec<Vec<String>>, Vec<bool>) {
    let (mut pages, mut mores) = (Vec::new(), Vec::new());
    let mut after: Option<String> = None;
    loop {
        let (items, more) = store
            .query_after(pk, prefix, after.as_deref(), limit)
            .await
            .expect("query_after");
        assert!(items.len() <= limit, "{} items, limit {limit}", items.len());
        assert!(
            items.iter().all(|i| i.pk == pk && i.sk.starts_with(prefix)),
            "{:?}",
            sks(&items)
        );
        let page: Vec<String> = items.iter().map(|i| i.sk.clone()).collect();
        let last = page.last().cloned();
        pages.push(page);
        mores.push(more);
        match (more, last) {
            (true, Some(sk)) => after = Some(sk),
            // More with an empty page would be a page that reads nothing and moves nowhere.
            (true, None) => panic!("an empty page that says more follows"),
            (false, _) => break,
        }
        assert!(pages.len() < 1_000, "the walk does not end");
    }
    (pages, mores)
}

integration_tests::both_backends!(query_after_pages_a_prefix, |store| {
    let mut keys: Vec<String> = (0..10).map(|i| format!("EV#{i:02}")).collect();
    // A key equal to the prefix is in its range; neighbours on both sides are not.
    keys.extend(["EV#", "EV", "EVX", "EA", "FW#00", "ev#00"].map(String::from));
    let items: Vec<Item> = keys
        .iter()
        .map(|sk| item("PG", sk, json!({"sk": sk})))
        .collect();
    store.batch_put(items).await.unwrap();
    // Neighbouring partitions never leak in.
    put(&*store, item("PGX", "EV#05", json!({}))).await;
    put(&*store, item("P", "EV#05", json!({}))).await;
    let range: Vec<String> = std::iter::once("EV#".to_string())
        .chain((0..10).map(|i| format!("EV#{i:02}")))
        .collect();

    // From the start: the first `limit`, in sort-key order, the items whole; more follows.
    let (page, more) = store.query_after("PG", "EV#", None, 3).await.unwrap();
    assert_eq!(sks(&page), ["EV#", "EV#00", "EV#01"]);
    assert!(more);
    assert_eq!(page[1].data, json!({"sk": "EV#00"}));
    assert_eq!((page[1].version, page[1].expires_at), (1, None));

    // Pages of 4 from each page's last key: 4, 4, 3; the last one short of the limit says no
    // more. Together, the range exactly, each item once.
    let (pages, mores) = walk(&*store, "PG", "EV#", 4).await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [4, 4, 3]);
    assert_eq!(mores, [true, true, false]);
    assert_eq!(pages.concat(), range);
    // Other sizes: the same items, every page but the last full.
    for limit in [1, 2, 5, 11, 12, 1000] {
        let (pages, _) = walk(&*store, "PG", "EV#", limit).await;
        assert_eq!(pages.concat(), range, "limit {limit}");
        let (last, full) = pages.split_last().unwrap();
        assert!(full.iter().all(|p| p.len() == limit), "limit {limit}");
        assert!(last.len() <= limit);
    }

    // The start key is exclusive, and need not be an item's: the page starts after it.
    let (page, more) = store
        .query_after("PG", "EV#", Some("EV#03"), 2)
        .await
        .unwrap();
    assert_eq!((sks(&page), more), (vec!["EV#04", "EV#05"], true));
    let (page, _) = store
        .query_after("PG", "EV#", Some("EV#03x"), 2)
        .await
        .unwrap();
    assert_eq!(sks(&page), ["EV#04", "EV#05"]);
    let (page, _) = store
        .query_after("PG", "EV#", Some("EV#"), 1)
        .await
        .unwrap();
    assert_eq!(sks(&page), ["EV#00"]);
    // After the range's last key, or past it: nothing, and no more.
    for after in ["EV#09", "EV#~"] {
        let (page, more) = store
            .query_after("PG", "EV#", Some(after), 5)
            .await
            .unwrap();
        assert!(
            page.is_empty() && !more,
            "after {after}: {:?} {more}",
            sks(&page)
        );
    }
    // A page that ends exactly at the range's end may say more (DynamoDB stops at the limit
    // without looking further); the page after it is then empty and says no more.
    let (page, _) = store
        .query_after("PG", "EV#", Some("EV#05"), 4)
        .await
        .unwrap();
    assert_eq!(sks(&page), ["EV#06", "EV#07", "EV#08", "EV#09"]);

    // A prefix no key has, a partition with no items.
    let (page, more) = store.query_after("PG", "EV#1", None, 5).await.unwrap();
    assert!(page.is_empty() && !more);
    let (page, more) = store.query_after("NONE", "EV#", None, 5).await.unwrap();
    assert!(page.is_empty() && !more);
    let (page, more) = store.query_after("NONE", "", None, 5).await.unwrap();
    assert!(page.is_empty() && !more);

    // A limit of 0 reads nothing; items are left, so more follows.
    let (page, more) = store.query_after("PG", "EV#", None, 0).await.unwrap();
    assert!(page.is_empty() && more);
});

integration_tests::both_backends!(query_after_refuses_a_start_outside_its_prefix, |store| {
    put(&*store, item("PO", "EV#01", json!({}))).await;
    put(&*store, item("PO", "FW#01", json!({}))).await;
    // Before the range, after it, a shorter key the prefix starts with, another case: a cursor
    // of another range is refused, not read from (it would page outside the prefix).
    for after in ["EA#00", "FW#01", "EV", "ev#01", ""] {
        assert_invalid(store.query_after("PO", "EV#", Some(after), 5).await);
    }
    // Any start key is in the empty prefix's range.
    let (page, more) = store.query_after("PO", "", Some("EV#01"), 5).await.unwrap();
    assert_eq!((sks(&page), more), (vec!["FW#01"], false));
});

integration_tests::both_backends!(query_after_empty_prefix_is_the_partition, |store| {
    // DynamoDB orders string sort keys by their UTF-8 bytes: the cursor follows that order.
    let keys = [
        "é",
        "z",
        "B",
        "a",
        "Z",
        "日本",
        "🙂",
        "ß",
        "a0",
        "a#",
        "~",
        "X_CERTIFICATE#电梯#*",
    ];
    for sk in keys {
        put(&*store, item("PE", sk, json!({}))).await;
    }
    put(&*store, item("PEX", "a", json!({}))).await;
    let mut expected: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    expected.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    for limit in [1, 3, 12, 100] {
        let (pages, _) = walk(&*store, "PE", "", limit).await;
        assert_eq!(pages.concat(), expected, "limit {limit}");
    }
    let (page, more) = store.query_after("PE", "", None, 100).await.unwrap();
    assert_eq!(page, store.query("PE", "", QueryOpts::ALL).await.unwrap());
    assert!(!more);
    // A multi-byte prefix, paged one at a time.
    put(&*store, item("PE", "日本#2", json!({}))).await;
    put(&*store, item("PE", "日本#1", json!({}))).await;
    let (pages, _) = walk(&*store, "PE", "日本", 1).await;
    assert_eq!(pages.concat(), ["日本", "日本#1", "日本#2"]);
});

integration_tests::both_backends!(query_after_pages_past_a_megabyte, |store| {
    // 300 items of ~4 KB: 1.2 MB. DynamoDB reads at most 1 MB a request, so a page may hold
    // fewer items than the limit; it then says more follows, and the walk still reads each
    // item once, in order.
    const N: usize = 300;
    let filler = "x".repeat(4000);
    let items: Vec<Item> = (0..N)
        .map(|i| {
            item(
                "BIGA",
                &format!("ITEM#{i:04}"),
                json!({"i": i, "filler": filler}),
            )
        })
        .collect();
    store.batch_put(items).await.unwrap();
    put(&*store, item("BIGA", "OTHER", json!({}))).await;
    let expected: Vec<String> = (0..N).map(|i| format!("ITEM#{i:04}")).collect();
    let (pages, mores) = walk(&*store, "BIGA", "ITEM#", 280).await;
    assert_eq!(pages.concat(), expected);
    assert_eq!(mores.last(), Some(&false));
    assert!(pages.len() >= 2, "{} pages", pages.len());
});

// ---------------------------------------------------------------------------------------------
// transact

integration_tests::both_backends!(transact_is_all_or_nothing, |store| {
    let existing = item("T", "existing", json!({"v": 0}));
    let doomed = item("T", "doomed", json!({"v": 0}));
    put(&*store, existing.clone()).await;
    put(&*store, doomed.clone()).await;
    let before = store.query("T", "", QueryOpts::ALL).await.unwrap();

    // The failing op in each position: the error names it and nothing is written.
    for failing in 0..3 {
        let mut ops = vec![
            put_op(item("T", "new", json!({"v": 1})), Condition::NotExists),
            delete_op("T", "doomed", Condition::Exists),
            put_op(existing.next(&json!({"v": 1})), Condition::Version(1)),
        ];
        ops[failing] = match failing {
            0 => put_op(item("T", "existing2", json!({})), Condition::Exists),
            1 => delete_op("T", "doomed", Condition::Version(9)),
            _ => put_op(existing.next(&json!({"v": 1})), Condition::NotExists),
        };
        match store.transact(ops).await {
            Err(StoreError::ConditionFailed { index: Some(i) }) => assert_eq!(i, failing),
            other => panic!("op {failing} fails: expected ConditionFailed, got {other:?}"),
        }
        assert_eq!(
            store.query("T", "", QueryOpts::ALL).await.unwrap(),
            before,
            "nothing written"
        );
    }

    // The first of two failing ops is named.
    let ops = vec![
        put_op(item("T", "new", json!({})), Condition::None),
        check_op("T", "missing", Condition::Exists),
        check_op("T", "existing", Condition::NotExists),
    ];
    match store.transact(ops).await {
        Err(StoreError::ConditionFailed { index: Some(1) }) => {}
        other => panic!("expected ConditionFailed at op 1, got {other:?}"),
    }
    assert_eq!(store.query("T", "", QueryOpts::ALL).await.unwrap(), before);

    // All conditions hold: every op applies.
    store
        .transact(vec![
            put_op(item("T", "new", json!({"v": 1})), Condition::NotExists),
            delete_op("T", "doomed", Condition::Exists),
            put_op(existing.next(&json!({"v": 1})), Condition::Version(1)),
        ])
        .await
        .unwrap();
    assert_eq!(
        get(&*store, "T", "new").await,
        Some(item("T", "new", json!({"v": 1})))
    );
    assert_eq!(get(&*store, "T", "doomed").await, None);
    assert_eq!(
        get(&*store, "T", "existing").await,
        Some(existing.next(&json!({"v": 1})))
    );
});

integration_tests::both_backends!(transact_checks_and_deletes, |store| {
    let guard = Item {
        version: 4,
        ..item("T", "guard", json!({"g": true}))
    };
    put(&*store, guard.clone()).await;
    put(&*store, item("T", "del1", json!({}))).await;
    put(
        &*store,
        Item {
            version: 2,
            ..item("T", "del2", json!({}))
        },
    )
    .await;

    // Checks of every kind that hold, deletes with and without conditions (of a missing item, too).
    store
        .transact(vec![
            check_op("T", "guard", Condition::Exists),
            check_op("T", "guard2", Condition::NotExists),
            delete_op("T", "del1", Condition::None),
            delete_op("T", "del2", Condition::Version(2)),
            delete_op("T", "never", Condition::None),
            put_op(item("T", "made", json!({"m": 1})), Condition::None),
        ])
        .await
        .unwrap();
    assert_eq!(
        get(&*store, "T", "guard").await,
        Some(guard.clone()),
        "a check writes nothing"
    );
    assert_eq!(
        get(&*store, "T", "guard2").await,
        None,
        "a check creates nothing"
    );
    assert_eq!(get(&*store, "T", "del1").await, None);
    assert_eq!(get(&*store, "T", "del2").await, None);
    assert!(get(&*store, "T", "made").await.is_some());

    store
        .transact(vec![check_op("T", "guard", Condition::Version(4))])
        .await
        .unwrap();
    for (i, cond) in [Condition::Version(3), Condition::NotExists]
        .into_iter()
        .enumerate()
    {
        let r = store
            .transact(vec![
                delete_op("T", "made", Condition::Exists),
                check_op("T", "guard", cond),
            ])
            .await;
        assert!(
            matches!(r, Err(StoreError::ConditionFailed { index: Some(1) })),
            "case {i}: {r:?}"
        );
        assert!(
            get(&*store, "T", "made").await.is_some(),
            "case {i}: delete rolled back"
        );
    }
    let r = store
        .transact(vec![
            check_op("T", "nothing", Condition::Exists),
            delete_op("T", "made", Condition::None),
        ])
        .await;
    assert!(
        matches!(r, Err(StoreError::ConditionFailed { index: Some(0) })),
        "{r:?}"
    );
    let r = store
        .transact(vec![delete_op("T", "nothing", Condition::Exists)])
        .await;
    assert!(
        matches!(r, Err(StoreError::ConditionFailed { index: Some(0) })),
        "{r:?}"
    );
    assert!(get(&*store, "T", "made").await.is_some());
});

integration_tests::both_backends!(transact_limits, |store| {
    let puts = |n: usize| -> Vec<WriteOp> {
        (0..n)
            .map(|i| {
                put_op(
                    item("L", &format!("{i:03}"), json!({"i": i})),
                    Condition::NotExists,
                )
            })
            .collect()
    };
    assert_invalid(store.transact(puts(MAX_TRANSACTION_ITEMS + 1)).await);
    assert_invalid(store.transact(Vec::new()).await);
    assert!(store
        .query("L", "", QueryOpts::ALL)
        .await
        .unwrap()
        .is_empty());

    // The same item twice, whatever the ops.
    let twice = [
        vec![
            put_op(item("L", "x", json!({})), Condition::None),
            put_op(item("L", "x", json!({"b": 1})), Condition::None),
        ],
        vec![
            put_op(item("L", "x", json!({})), Condition::None),
            check_op("L", "x", Condition::NotExists),
        ],
        vec![
            check_op("L", "x", Condition::NotExists),
            delete_op("L", "x", Condition::None),
        ],
        vec![
            put_op(item("L", "y", json!({})), Condition::None),
            delete_op("L", "x", Condition::None),
            delete_op("L", "x", Condition::None),
        ],
    ];
    for ops in twice {
        assert_invalid(store.transact(ops).await);
    }
    assert!(store
        .query("L", "", QueryOpts::ALL)
        .await
        .unwrap()
        .is_empty());
    // Same sort key in different partitions is not the same item.
    store
        .transact(vec![
            put_op(item("L", "x", json!({})), Condition::None),
            put_op(item("L2", "x", json!({})), Condition::None),
        ])
        .await
        .unwrap();
    store.delete("L", "x", Condition::None).await.unwrap();

    // Exactly the limit is fine.
    store.transact(puts(MAX_TRANSACTION_ITEMS)).await.unwrap();
    let all = store.query("L", "", QueryOpts::ALL).await.unwrap();
    assert_eq!(all.len(), MAX_TRANSACTION_ITEMS);
    assert!(all
        .iter()
        .enumerate()
        .all(|(i, it)| it.data == json!({"i": i})));
});

// ---------------------------------------------------------------------------------------------
// batch_put

integration_tests::both_backends!(batch_put_many, |store| {
    put(
        &*store,
        Item {
            version: 9,
            ..item("BP", "0030", json!({"old": true}))
        },
    )
    .await;
    let items: Vec<Item> = (0..60)
        .map(|i| {
            item(
                "BP",
                &format!("{i:04}"),
                json!({"i": i, "s": "ç".repeat(i)}),
            )
        })
        .collect();
    store.batch_put(items.clone()).await.unwrap();
    assert_eq!(store.query("BP", "", QueryOpts::ALL).await.unwrap(), items);
    for it in [&items[0], &items[24], &items[25], &items[30], &items[59]] {
        assert_eq!(
            get(&*store, &it.pk, &it.sk).await.as_ref(),
            Some(it),
            "overwrites, too"
        );
    }
    store.batch_put(Vec::new()).await.unwrap();
    // The same key twice in one call (one chunk): the later item wins. (DynamoDB rejects
    // duplicate keys in one BatchWriteItem; moto does not check.)
    store
        .batch_put(vec![
            item("BP", "dup", json!({"n": 1})),
            item("BP", "dup", json!({"n": 2})),
        ])
        .await
        .unwrap();
    assert_eq!(
        get(&*store, "BP", "dup").await.map(|i| i.data),
        Some(json!({"n": 2}))
    );
    // Several partitions in one call.
    store
        .batch_put(vec![
            item("BP2", "a", json!({})),
            item("BP3", "a", json!({})),
        ])
        .await
        .unwrap();
    assert!(get(&*store, "BP2", "a").await.is_some() && get(&*store, "BP3", "a").await.is_some());
});

// ---------------------------------------------------------------------------------------------
// read_modify_write

fn count(item: Option<&Item>) -> u64 {
    item.map_or(0, |i| i.data["n"].as_u64().expect("counter"))
}

integration_tests::both_backends!(rmw_concurrent_increments, |store| {
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                read_modify_write::<u64, StoreError>(&*store, "RMW", "counter", |cur| {
                    let n = count(cur) + 1;
                    Ok(Decision::Write {
                        data: json!({ "n": n }),
                        expires_at: Some(4_000_000_000),
                        result: n,
                    })
                })
                .await
            })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.expect("task").expect("increment"));
    }
    results.sort_unstable();
    assert_eq!(
        results,
        (1..=20).collect::<Vec<u64>>(),
        "each increment saw a distinct value"
    );
    let it = get(&*store, "RMW", "counter").await.unwrap();
    assert_eq!(
        (it.data, it.version, it.expires_at),
        (json!({"n": 20}), 20, Some(4_000_000_000))
    );
});

integration_tests::both_backends!(rmw_keep_writes_nothing, |store| {
    // Missing item, Keep: still missing.
    let r = read_modify_write::<_, StoreError>(&*store, "RMW", "k", |cur| {
        assert!(cur.is_none());
        Ok(Decision::Keep("kept"))
    })
    .await
    .unwrap();
    assert_eq!(r, "kept");
    assert_eq!(get(&*store, "RMW", "k").await, None);

    // Created at version 1, then replaced at version 2 with the new expiry.
    let r = read_modify_write::<_, StoreError>(&*store, "RMW", "k", |cur| {
        Ok(Decision::Write {
            data: json!({"n": count(cur) + 1}),
            expires_at: None,
            result: 1,
        })
    })
    .await
    .unwrap();
    assert_eq!(r, 1);
    let v1 = get(&*store, "RMW", "k").await.unwrap();
    assert_eq!(
        (v1.version, v1.expires_at, &v1.data),
        (1, None, &json!({"n": 1}))
    );

    // Existing item, Keep: unchanged, version included.
    let seen = read_modify_write::<_, StoreError>(&*store, "RMW", "k", |cur| {
        Ok(Decision::Keep(cur.cloned()))
    })
    .await
    .unwrap();
    assert_eq!(seen.as_ref(), Some(&v1));
    assert_eq!(get(&*store, "RMW", "k").await, Some(v1.clone()));

    read_modify_write::<_, StoreError>(&*store, "RMW", "k", |cur| {
        Ok(Decision::Write {
            data: json!({"n": count(cur) + 1}),
            expires_at: Some(77),
            result: (),
        })
    })
    .await
    .unwrap();
    let v2 = get(&*store, "RMW", "k").await.unwrap();
    assert_eq!(
        (v2.version, v2.expires_at, &v2.data),
        (2, Some(77), &json!({"n": 2}))
    );

    // An error from `decide` is returned as is, and nothing is written.
    let r = read_modify_write::<(), _>(&*store, "RMW", "k", |_| {
        Err(StoreError::Other("decided no".into()))
    })
    .await;
    assert!(
        matches!(r, Err(StoreError::Other(ref m)) if m == "decided no"),
        "{r:?}"
    );
    assert_eq!(get(&*store, "RMW", "k").await, Some(v2));

    // Invalid data from `decide` is not retried.
    let r = read_modify_write::<(), StoreError>(&*store, "RMW", "k", |_| {
        Ok(Decision::Write {
            data: json!({"PK": 1}),
            expires_at: None,
            result: (),
        })
    })
    .await;
    assert_invalid(r);
});

// AWS's own limits, which moto does not all enforce: held by both stores.

integration_tests::both_backends!(check_needs_a_condition, |store| {
    // DynamoDB requires a ConditionExpression on a ConditionCheck.
    assert_invalid(
        store
            .transact(vec![check_op("K", "x", Condition::None)])
            .await,
    );
});

integration_tests::both_backends!(batch_put_validates_before_writing, |store| {
    let mut items: Vec<Item> = (0..30)
        .map(|i| item("K", &format!("{i:02}"), json!({})))
        .collect();
    items.push(item("K", "bad", json!({"PK": "x"})));
    assert_invalid(store.batch_put(items).await);
    assert!(
        store
            .query("K", "", QueryOpts::ALL)
            .await
            .unwrap()
            .is_empty(),
        "nothing written"
    );
});

integration_tests::both_backends!(aws_size_limits, |store| {
    // Items of at most 400 KB, partition keys of at most 2048 bytes, sort keys of at most 1024.
    assert_invalid(
        store
            .put(
                item("K", "big", json!({"s": "x".repeat(410_000)})),
                Condition::None,
            )
            .await,
    );
    assert_invalid(
        store
            .put(item(&"p".repeat(2049), "x", json!({})), Condition::None)
            .await,
    );
    assert_invalid(
        store
            .put(item("K", &"s".repeat(1025), json!({})), Condition::None)
            .await,
    );
    assert!(store
        .query("K", "", QueryOpts::ALL)
        .await
        .unwrap()
        .is_empty());
});

integration_tests::both_backends!(empty_attribute_names, |store| {
    assert_invalid(
        store
            .put(item("K", "e", json!({"": 1})), Condition::None)
            .await,
    );
});

integration_tests::both_backends!(query_limit_zero, |store| {
    put(&*store, item("K", "a", json!({}))).await;
    assert!(store
        .query(
            "K",
            "",
            QueryOpts {
                limit: Some(0),
                newest_first: false
            }
        )
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .query("K", "", QueryOpts::newest(0))
        .await
        .unwrap()
        .is_empty());
});

// ---------------------------------------------------------------------------------------------
// get_many (one BatchGetItem)

integration_tests::both_backends!(get_many_reads_in_key_order, |store| {
    let a = item("GM", "a", json!({"v": 1}));
    let expired = item("GM", "old", json!({"v": 2})).expiring(1_000);
    let other = item("GM2", "a", json!({"v": 3}));
    for it in [&a, &expired, &other] {
        put(&*store, it.clone()).await;
    }
    let got = store
        .get_many(&[
            ("GM2", "a"),
            ("GM", "missing"),
            ("GM", "a"),
            ("GM", "old"),
            ("X", "a"),
        ])
        .await
        .expect("get_many");
    assert_eq!(
        got,
        vec![Some(other), None, Some(a.clone()), Some(expired), None],
        "each key's item (expired ones too: expiry is advisory), in the order asked"
    );
    // A write is seen by the next batch read (strongly consistent).
    let next = a.next(&json!({"v": 9}));
    store
        .put(next.clone(), Condition::Version(1))
        .await
        .unwrap();
    assert_eq!(
        store.get_many(&[("GM", "a")]).await.unwrap(),
        vec![Some(next)]
    );
});

integration_tests::both_backends!(get_many_takes_up_to_a_hundred_distinct_keys, |store| {
    let items: Vec<Item> = (0..100)
        .map(|i| {
            item(
                "GMH",
                &format!("{i:03}"),
                json!({"pad": "x".repeat(3000), "i": i}),
            )
        })
        .collect();
    store.batch_put(items.clone()).await.unwrap();
    let sks: Vec<String> = (0..100).rev().map(|i| format!("{i:03}")).collect();
    let keys: Vec<(&str, &str)> = sks.iter().map(|s| ("GMH", s.as_str())).collect();
    let got = store.get_many(&keys).await.unwrap();
    let want: Vec<Option<Item>> = items.into_iter().rev().map(Some).collect();
    assert_eq!(got, want);

    let mut too_many = keys.clone();
    too_many.push(("GMH", "100"));
    assert_invalid(store.get_many(&too_many).await);
    assert_invalid(store.get_many(&[]).await);
    assert_invalid(store.get_many(&[("GMH", "001"), ("GMH", "001")]).await);
    assert_invalid(store.get_many(&[("", "001")]).await);
    assert_invalid(store.get_many(&[("GMH", "")]).await);
});

// ---------------------------------------------------------------------------------------------
// WriteOp::Increment (a bounded counter: one conditional update, no read)

fn increment(pk: &str, sk: &str, max: u64, expires_at: Option<i64>) -> WriteOp {
    WriteOp::Increment {
        pk: pk.into(),
        sk: sk.into(),
        field: "count".into(),
        max,
        expires_at,
    }
}

integration_tests::both_backends!(increment_counts_up_to_its_bound, |store| {
    // Absent: created at 1, version 1, with the expiry.
    store
        .transact(vec![increment("INC", "w", 3, Some(4_000_000_000))])
        .await
        .unwrap();
    let it = get(&*store, "INC", "w").await.unwrap();
    assert_eq!(
        (it.data.clone(), it.version, it.expires_at),
        (json!({"count": 1}), 1, Some(4_000_000_000))
    );
    for _ in 0..2 {
        store
            .transact(vec![increment("INC", "w", 3, Some(4_000_000_000))])
            .await
            .unwrap();
    }
    let it = get(&*store, "INC", "w").await.unwrap();
    assert_eq!((it.data["count"].as_u64(), it.version), (Some(3), 3));

    // At the bound: the op fails with its index, and nothing of the transaction is written.
    let r = store
        .transact(vec![
            put_op(item("INC", "side", json!({})), Condition::None),
            increment("INC", "w", 3, Some(4_000_000_000)),
        ])
        .await;
    match r {
        Err(StoreError::ConditionFailed { index: Some(1) }) => {}
        other => panic!("expected ConditionFailed at op 1, got {other:?}"),
    }
    assert_eq!(get(&*store, "INC", "side").await, None);
    assert_eq!(
        get(&*store, "INC", "w").await.unwrap().data["count"].as_u64(),
        Some(3)
    );

    // An existing item without the counter counts from 0 and keeps its other attributes; no
    // expiry given keeps the item's own.
    put(
        &*store,
        item("INC", "plain", json!({"name": "x"})).expiring(3_000_000_000),
    )
    .await;
    store
        .transact(vec![increment("INC", "plain", 1, None)])
        .await
        .unwrap();
    let it = get(&*store, "INC", "plain").await.unwrap();
    assert_eq!(
        (it.data, it.version, it.expires_at),
        (json!({"name": "x", "count": 1}), 2, Some(3_000_000_000))
    );

    // The counter may not be a reserved attribute.
    for reserved in ["PK", "SK", "ver", "ttl", ""] {
        assert_invalid(
            store
                .transact(vec![WriteOp::Increment {
                    pk: "INC".into(),
                    sk: "bad".into(),
                    field: reserved.into(),
                    max: 5,
                    expires_at: None,
                }])
                .await,
        );
    }
});

integration_tests::both_backends!(concurrent_increments_never_pass_the_bound, |store| {
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                loop {
                    match store
                        .transact(vec![increment("INC", "race", 10, Some(4_000_000_000))])
                        .await
                    {
                        Ok(()) => return true,
                        Err(StoreError::ConditionFailed { .. }) => return false,
                        // Transactions on one item at once may conflict: try again.
                        Err(StoreError::Conflict) => tokio::task::yield_now().await,
                        Err(e) => panic!("unexpected increment result {e:?}"),
                    }
                }
            })
        })
        .collect();
    let mut counted = 0;
    for t in tasks {
        counted += u64::from(t.await.expect("task"));
    }
    assert_eq!(
        counted, 10,
        "exactly the bound's worth of increments succeed"
    );
    let it = get(&*store, "INC", "race").await.unwrap();
    assert_eq!((it.data["count"].as_u64(), it.version), (Some(10), 10));
});
