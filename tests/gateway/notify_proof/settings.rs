//! The lease setting: `notifications.lease_secs` defaults to two minutes and must exceed the
//! send timeout (e-mail's, or SMS's when a provider is on and it is longer), with an error
//! naming the setting.

use figment::providers::Serialized;
use figment::Figment;
use parcelgate::config::Config;

fn with(pairs: &[(&str, serde_json::Value)]) -> Result<Config, String> {
    let mut fig = Figment::from(Serialized::defaults(Config::default()));
    for (k, v) in pairs {
        fig = fig.merge(Serialized::default(k, v));
    }
    Config::from_figment(fig).map_err(|e| e.to_string())
}

#[test]
fn the_lease_defaults_to_two_minutes_and_must_exceed_the_send_timeout() {
    assert_eq!(with(&[]).expect("defaults").notifications.lease_secs, 120);
    let e = with(&[("notifications.lease_secs", 30.into())]).expect_err("30 = the timeout");
    assert!(
        e.contains("notifications.lease_secs") && e.contains("30 s"),
        "{e}"
    );
    let ok = with(&[
        ("notifications.lease_secs", 3.into()),
        ("email.timeout_secs", 2.into()),
    ])
    .expect("above the timeout");
    assert_eq!(ok.notifications.lease_secs, 3);
    // SMS on with a longer timeout: that one counts.
    let sms = [
        ("sms.provider", "smsapi".into()),
        ("sms.token", "t0ken".into()),
        ("sms.from", "Sklep".into()),
        ("sms.timeout_secs", 60.into()),
        ("notifications.lease_secs", 45.into()),
    ];
    let e = with(&sms).expect_err("below the SMS timeout");
    assert!(
        e.contains("notifications.lease_secs") && e.contains("60 s"),
        "{e}"
    );
}
