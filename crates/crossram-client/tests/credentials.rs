//! Credential providers: environment, aliyun CLI profiles from temporary files, the chain, and
//! RamRoleArn credentials assumed from a loopback STS and refreshed by an injected clock.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed assertion"
)]

mod common;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{Recorded, Reply, TestServer};
use crossram_client::credentials::{
    ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET, ENV_PROFILE, ENV_SECURITY_TOKEN, MapEnv,
};
use crossram_client::{
    ChainProvider, Client, Clock, Credentials, CredentialsProvider, Endpoint, EnvProvider, Error,
    ManualClock, ProfileProvider, RamRoleArnProvider, ReqwestTransport, SignatureVersion,
};
use time::macros::datetime;

const CONFIG: &str = r#"{
  "current": "second",
  "profiles": [
    {"name": "default", "mode": "AK", "access_key_id": "LTAIdefault", "access_key_secret": "default-secret",
     "sts_token": "", "ram_role_arn": "", "ram_session_name": "", "expired_seconds": 0, "region_id": "cn-hangzhou"},
    {"name": "second", "mode": "AK", "access_key_id": "LTAIsecond", "access_key_secret": "second-secret"},
    {"name": "sts", "mode": "StsToken", "access_key_id": "STS.profile", "access_key_secret": "sts-secret",
     "sts_token": "profile-token"},
    {"name": "role", "mode": "RamRoleArn", "access_key_id": "LTAIsource", "access_key_secret": "source-secret",
     "ram_role_arn": "acs:ram::1111222233334444:role/ecs-admin", "ram_session_name": "automation",
     "expired_seconds": 900, "region_id": "cn-shanghai"},
    {"name": "ecs", "mode": "EcsRamRole", "ram_role_name": "x"},
    {"name": "broken", "mode": "StsToken", "access_key_id": "STS.x", "access_key_secret": "s"}
  ]
}"#;

fn write_config(dir: &Path) -> std::path::PathBuf {
    let aliyun = dir.join(".aliyun");
    std::fs::create_dir_all(&aliyun).unwrap();
    let path = aliyun.join("config.json");
    std::fs::write(&path, CONFIG).unwrap();
    path
}

fn home_env(dir: &Path, extra: &[(&str, &str)]) -> Arc<MapEnv> {
    let mut pairs = vec![("HOME".to_owned(), dir.display().to_string())];
    pairs.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    Arc::new(MapEnv::from_pairs(pairs))
}

#[tokio::test]
async fn profiles_resolve_by_name_env_and_current() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path());

    // The file's `current` profile, found through HOME.
    let p = ProfileProvider::builder()
        .env(home_env(dir.path(), &[]))
        .build();
    assert_eq!(p.credentials().await.unwrap().access_key_id, "LTAIsecond");

    // ALIBABA_CLOUD_PROFILE beats `current`.
    let p = ProfileProvider::builder()
        .env(home_env(dir.path(), &[(ENV_PROFILE, "default")]))
        .build();
    let c = p.credentials().await.unwrap();
    assert_eq!(c.access_key_id, "LTAIdefault");
    assert_eq!(c.access_key_secret.expose(), "default-secret");
    assert!(c.security_token.is_none());

    // An explicit name beats both; StsToken carries the token.
    let p = ProfileProvider::builder()
        .path(&path)
        .profile("sts")
        .env(home_env(dir.path(), &[(ENV_PROFILE, "default")]))
        .build();
    let c = p.credentials().await.unwrap();
    assert_eq!(c.access_key_id, "STS.profile");
    assert_eq!(c.security_token.unwrap().expose(), "profile-token");
}

#[tokio::test]
async fn a_broken_profile_is_a_config_error_and_no_profile_is_nothing_to_offer() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path());
    // Named but unusable, or named and missing: the configuration is wrong, and a chain must
    // stop rather than run as whoever comes next.
    for (profile, needle) in [
        ("ecs", "EcsRamRole"),
        ("broken", "sts_token"),
        ("missing", "no profile named"),
    ] {
        let p = ProfileProvider::builder()
            .path(&path)
            .profile(profile)
            .build();
        let e = p.credentials().await.unwrap_err();
        assert!(
            matches!(&e, Error::Config(m) if m.contains(needle)),
            "{profile}: {e:?}"
        );
        assert!(!e.to_string().contains("secret"), "{e}");
    }
    // No file at all: nothing to offer.
    let nowhere = ProfileProvider::builder()
        .env(home_env(&dir.path().join("nothing-here"), &[]))
        .build();
    assert!(matches!(
        nowhere.credentials().await,
        Err(Error::Credentials(_))
    ));
    // A file that is not a configuration is a mistake.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{ not json").unwrap();
    let p = ProfileProvider::builder().path(&bad).build();
    assert!(matches!(p.credentials().await, Err(Error::Config(m)) if m.contains("not a valid")));
    // A file without `current` and without a `default` profile: nothing to offer.
    let other = dir.path().join("other.json");
    std::fs::write(
        &other,
        r#"{"profiles": [{"name": "x", "mode": "AK", "access_key_id": "LTAIx", "access_key_secret": "s"}]}"#,
    )
    .unwrap();
    let p = ProfileProvider::builder().path(&other).build();
    assert!(matches!(p.credentials().await, Err(Error::Credentials(_))));
}

#[tokio::test]
async fn a_chain_stops_at_a_misconfiguration_instead_of_running_as_the_next_identity() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path());
    // Half an AccessKey pair in the environment, a usable profile after it.
    let env = home_env(dir.path(), &[(ENV_ACCESS_KEY_ID, "LTAIhalf")]);
    let chain = ChainProvider::new(vec![
        Arc::new(EnvProvider::with_shared_env(env.clone())),
        Arc::new(ProfileProvider::builder().env(env).build()),
    ]);
    let e = chain.credentials().await.unwrap_err();
    assert!(
        matches!(&e, Error::Config(m) if m.contains(ENV_ACCESS_KEY_SECRET)),
        "{e:?}"
    );
    // A profile named in the environment that does not exist, with keys in a later provider.
    let env = home_env(dir.path(), &[(ENV_PROFILE, "nope")]);
    let chain = ChainProvider::new(vec![
        Arc::new(ProfileProvider::builder().env(env).build()),
        Arc::new(Credentials::new("LTAIfallback", "s")),
    ]);
    let e = chain.credentials().await.unwrap_err();
    assert!(
        matches!(&e, Error::Config(m) if m.contains("\"nope\"")),
        "{e:?}"
    );
}

#[tokio::test]
async fn the_chain_prefers_the_environment_then_the_profile() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path());
    let env = home_env(
        dir.path(),
        &[
            (ENV_ACCESS_KEY_ID, "STS.env"),
            (ENV_ACCESS_KEY_SECRET, "env-secret"),
            (ENV_SECURITY_TOKEN, "env-token"),
        ],
    );
    let chain = |env: Arc<MapEnv>| {
        ChainProvider::new(vec![
            Arc::new(EnvProvider::with_shared_env(env.clone())),
            Arc::new(ProfileProvider::builder().env(env).build()),
        ])
    };
    let c = chain(env).credentials().await.unwrap();
    assert_eq!(c.access_key_id, "STS.env");
    assert_eq!(c.security_token.unwrap().expose(), "env-token");

    let c = chain(home_env(dir.path(), &[]))
        .credentials()
        .await
        .unwrap();
    assert_eq!(c.access_key_id, "LTAIsecond");

    let e = chain(home_env(&dir.path().join("none"), &[]))
        .credentials()
        .await
        .unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains(ENV_ACCESS_KEY_ID) && text.contains("aliyun CLI profile"),
        "{text}"
    );
}

/// An STS that answers AssumeRole with a new key each time (`STS.K1`, `STS.K2`, ...), valid for
/// the requested duration from the request's own timestamp, and GetCallerIdentity with the key
/// it was called with.
async fn sts_server() -> (TestServer, Arc<AtomicUsize>) {
    let issued = Arc::new(AtomicUsize::new(0));
    let counter = issued.clone();
    let server = TestServer::start(move |r: &Recorded| match r.action().as_deref() {
        Some("AssumeRole") => {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            let stamp = r.param("Timestamp").unwrap();
            let start = crossram_client::clock::parse_timestamp(&stamp).unwrap();
            let secs: i64 = r
                .param("DurationSeconds")
                .map_or(3600, |d| d.parse().unwrap());
            let exp = crossram_client::clock::format_timestamp(start + time::Duration::seconds(secs));
            Reply::ok(format!(
                r#"{{"RequestId":"R{n}","Credentials":{{"AccessKeyId":"STS.K{n}","AccessKeySecret":"secret-{n}","SecurityToken":"token-{n}","Expiration":"{exp}"}},"AssumedRoleUser":{{"Arn":"acs:ram::1111222233334444:role/ecs-admin/automation","AssumedRoleId":"3008:automation"}}}}"#
            ))
        }
        Some("GetCallerIdentity") => Reply::ok(format!(
            r#"{{"RequestId":"G","AccountId":"1111222233334444","Arn":"acs:ram::1111222233334444:assumed-role/ecs-admin/automation","IdentityType":"AssumedRoleUser","PrincipalId":"3008:automation","RoleId":"3008","Seen":"{}"}}"#,
            r.param("AccessKeyId").unwrap_or_default()
        )),
        _ => Reply::error(404, "InvalidAction.NotFound", "no such action"),
    })
    .await;
    (server, issued)
}

#[tokio::test]
async fn ram_role_arn_credentials_refresh_by_the_injected_clock() {
    let (server, issued) = sts_server().await;
    let t0 = datetime!(2026-11-29 06:00:00 UTC);
    let clock = Arc::new(ManualClock::new(t0));
    let provider = Arc::new(
        RamRoleArnProvider::builder(Credentials::new("LTAIsource", "source-secret"))
            .role_arn("acs:ram::1111222233334444:role/ecs-admin")
            .role_session_name("automation")
            .duration_seconds(3600)
            .refresh_margin(time::Duration::seconds(180))
            .endpoint(server.url())
            .clock(clock.clone())
            .build()
            .unwrap(),
    );

    let first = provider.credentials().await.unwrap();
    assert_eq!(first.access_key_id, "STS.K1");
    assert_eq!(first.security_token.as_ref().unwrap().expose(), "token-1");
    assert_eq!(first.expiration, Some(t0 + time::Duration::hours(1)));

    // Well before the margin: cached.
    clock.advance(time::Duration::seconds(3000));
    assert_eq!(
        provider.credentials().await.unwrap().access_key_id,
        "STS.K1"
    );
    assert_eq!(issued.load(Ordering::SeqCst), 1);

    // Within 180 s of expiry: assumed again.
    clock.advance(time::Duration::seconds(500));
    let second = provider.credentials().await.unwrap();
    assert_eq!(second.access_key_id, "STS.K2");
    assert_eq!(issued.load(Ordering::SeqCst), 2);

    // Invalidated (say its sessions were revoked): assumed again at once, then cached.
    provider.invalidate().await;
    assert_eq!(
        provider.credentials().await.unwrap().access_key_id,
        "STS.K3"
    );
    assert_eq!(
        provider.credentials().await.unwrap().access_key_id,
        "STS.K3"
    );
    assert_eq!(issued.load(Ordering::SeqCst), 3);

    // The AssumeRole requests were signed with the source key, stamped by the clock.
    let assume: Vec<Recorded> = server
        .requests()
        .into_iter()
        .filter(|r| r.action().as_deref() == Some("AssumeRole"))
        .collect();
    assert_eq!(
        assume[0].param("AccessKeyId").as_deref(),
        Some("LTAIsource")
    );
    assert_eq!(
        assume[0].param("Timestamp").as_deref(),
        Some("2026-11-29T06:00:00Z")
    );
    assert_eq!(
        assume[1].param("Timestamp").as_deref(),
        Some("2026-11-29T06:58:20Z")
    );
    assert_eq!(
        assume[0].param("RoleArn").as_deref(),
        Some("acs:ram::1111222233334444:role/ecs-admin")
    );
    assert_eq!(
        assume[0].param("RoleSessionName").as_deref(),
        Some("automation")
    );

    // A client using the provider signs with the assumed credentials and their token.
    let client = Client::builder()
        .endpoint(server.url())
        .credentials_provider(provider.clone())
        .signature(SignatureVersion::V1)
        .clock(clock.clone())
        .build()
        .unwrap();
    let me = client.sts().get_caller_identity().await.unwrap();
    assert_eq!(me.identity_type, "AssumedRoleUser");
    let last = server.requests().pop().unwrap();
    assert_eq!(last.param("AccessKeyId").as_deref(), Some("STS.K3"));
    assert_eq!(last.param("SecurityToken").as_deref(), Some("token-3"));
    assert!(!format!("{provider:?}").contains("secret-3"));

    // The same client with other credentials keeps its endpoint and clock.
    let as_source = client.with_credentials(Credentials::new("LTAIsource", "source-secret"));
    as_source.sts().get_caller_identity().await.unwrap();
    let last = server.requests().pop().unwrap();
    assert_eq!(last.param("AccessKeyId").as_deref(), Some("LTAIsource"));
    assert_eq!(last.param("SecurityToken"), None);
    assert_eq!(
        last.param("Timestamp").as_deref(),
        Some("2026-11-29T06:58:20Z")
    );
}

#[tokio::test]
async fn a_failed_refresh_keeps_valid_credentials_until_they_expire() {
    let server = TestServer::scripted(vec![
        Reply::ok(
            r#"{"RequestId":"R","Credentials":{"AccessKeyId":"STS.A","AccessKeySecret":"a","SecurityToken":"t","Expiration":"2026-11-29T07:00:00Z"}}"#,
        ),
        Reply::error(403, "NoPermission", "denied"),
        Reply::error(403, "NoPermission", "denied"),
    ])
    .await;
    let clock = Arc::new(ManualClock::new(datetime!(2026-11-29 06:00:00 UTC)));
    let provider = RamRoleArnProvider::builder(Credentials::new("LTAIsource", "s"))
        .role_arn("acs:ram::1:role/r")
        .endpoint(server.url())
        .clock(clock.clone())
        .build()
        .unwrap();
    assert_eq!(provider.credentials().await.unwrap().access_key_id, "STS.A");
    clock.set(datetime!(2026-11-29 06:59:00 UTC));
    assert_eq!(provider.credentials().await.unwrap().access_key_id, "STS.A");
    clock.set(datetime!(2026-11-29 07:00:01 UTC));
    let e = provider.credentials().await.unwrap_err();
    assert_eq!(e.code(), Some("NoPermission"));
    assert_eq!(clock.now(), datetime!(2026-11-29 07:00:01 UTC));
}

#[tokio::test]
async fn a_ram_role_arn_profile_assumes_its_role() {
    let (server, issued) = sts_server().await;
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path());
    let provider = ProfileProvider::builder()
        .path(&path)
        .profile("role")
        .sts_endpoint(Endpoint::url(&server.url()).unwrap())
        .transport(Arc::new(ReqwestTransport::new().unwrap()))
        .clock(Arc::new(ManualClock::new(
            datetime!(2026-11-29 06:00:00 UTC),
        )))
        .build();
    let c = provider.credentials().await.unwrap();
    assert_eq!(c.access_key_id, "STS.K1");
    // Cached: the second call does not assume again.
    assert_eq!(
        provider.credentials().await.unwrap().access_key_id,
        "STS.K1"
    );
    assert_eq!(issued.load(Ordering::SeqCst), 1);
    let r = &server.requests()[0];
    assert_eq!(r.param("AccessKeyId").as_deref(), Some("LTAIsource"));
    assert_eq!(r.param("RoleSessionName").as_deref(), Some("automation"));
    assert_eq!(r.param("DurationSeconds").as_deref(), Some("900"));
    assert_eq!(r.param("SignatureMethod").as_deref(), Some("HMAC-SHA1"));
}
