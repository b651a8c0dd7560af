//! Store contract for what the pages need, on every backend: rotating (revoking) a
//! shipment's public token, and finding an order's shipments.

use chrono::{Duration, Utc};
use parcelgate::domain::{NewShipment, ShipmentFilter};

use crate::common::db::stores;

fn new_shipment(merchant: &str, number: &str, order: &str) -> NewShipment {
    NewShipment {
        merchant_id: merchant.into(),
        carrier: Some(carriers::CarrierId::Inpost),
        tracking_number: number.to_string(),
        order_ref: Some(order.to_string()),
        ..NewShipment::default()
    }
}

#[tokio::test]
async fn rotating_a_token_revokes_the_old_one_for_its_owner_only() {
    for s in stores().await {
        let now = Utc::now();
        let a = s.create_merchant("A", now).await.unwrap();
        let b = s.create_merchant("B", now).await.unwrap();
        let (sh, _) = s
            .register_shipment(
                &new_shipment(&a.id, "111122223333", "O-1"),
                "token-old-aaaaaaaaaaaaaaaa",
                now,
            )
            .await
            .unwrap();
        let later = now + Duration::seconds(5);
        assert!(
            s.rotate_public_token(&b.id, &sh.id, "token-stolen-aaaaaaaaaaaaa", later)
                .await
                .unwrap()
                .is_none(),
            "{}: another merchant cannot rotate",
            s.name
        );
        assert!(s
            .rotate_public_token(
                &a.id,
                &"shp_missing".into(),
                "token-x-aaaaaaaaaaaaaaaaaaa",
                later
            )
            .await
            .unwrap()
            .is_none());
        let rotated = s
            .rotate_public_token(&a.id, &sh.id, "token-new-aaaaaaaaaaaaaaaa", later)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            rotated.public_token, "token-new-aaaaaaaaaaaaaaaa",
            "{}",
            s.name
        );
        assert!(
            rotated.version > sh.version,
            "{}: version bumps (caches)",
            s.name
        );
        assert_eq!(rotated.id, sh.id);
        assert!(
            s.shipment_by_token("token-old-aaaaaaaaaaaaaaaa")
                .await
                .unwrap()
                .is_none(),
            "{}",
            s.name
        );
        assert_eq!(
            s.shipment_by_token("token-new-aaaaaaaaaaaaaaaa")
                .await
                .unwrap()
                .unwrap()
                .id,
            sh.id
        );
    }
}

#[tokio::test]
async fn an_orders_shipments_are_found_within_the_merchant() {
    for s in stores().await {
        let now = Utc::now();
        let a = s.create_merchant("A", now).await.unwrap();
        let b = s.create_merchant("B", now).await.unwrap();
        for (m, n, o, t) in [
            (&a.id, "1000", "ORD-1", "tok-a1-aaaaaaaaaaaaaaaaaa"),
            (&a.id, "1001", "ORD-1", "tok-a2-aaaaaaaaaaaaaaaaaa"),
            (&a.id, "1002", "ORD-2", "tok-a3-aaaaaaaaaaaaaaaaaa"),
            (&b.id, "1003", "ORD-1", "tok-b1-aaaaaaaaaaaaaaaaaa"),
        ] {
            s.register_shipment(&new_shipment(m, n, o), t, now)
                .await
                .unwrap();
        }
        let filter = ShipmentFilter {
            order_ref: Some("ORD-1".into()),
            limit: 50,
            ..ShipmentFilter::default()
        };
        let found = s.list_shipments(&a.id, &filter).await.unwrap();
        let mut numbers: Vec<_> = found.iter().map(|x| x.tracking_number.as_str()).collect();
        numbers.sort();
        assert_eq!(numbers, ["1000", "1001"], "{}", s.name);
    }
}
