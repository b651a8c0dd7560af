//! The `notifications`, `suppressions` and `notification_templates` rows, decoded the same
//! way from both backends.

use super::{decoders, time, DbCount, DbTime};
use crate::domain::notify_plan::{Message, MessageStatus};
use crate::domain::{MerchantId, ShipmentId};
use crate::store::notify::{StoredTemplate, Suppression, TemplateInfo};
use crate::store::{StoreError, StoreResult};

/// The columns of a [`MessageRow`], in its order.
macro_rules! message_columns {
    () => {
        "id, shipment_id, merchant_id, trigger_name, channel, status, attempts, \
         next_attempt_at, message_id, answer, created_at, sent_at"
    };
}
pub(crate) use message_columns;

/// A `notifications` row.
#[derive(sqlx::FromRow)]
pub struct MessageRow {
    id: String,
    shipment_id: ShipmentId,
    merchant_id: MerchantId,
    trigger_name: String,
    channel: String,
    status: String,
    attempts: DbCount,
    next_attempt_at: DbTime,
    message_id: String,
    answer: Option<String>,
    created_at: DbTime,
    sent_at: Option<DbTime>,
}

impl TryFrom<MessageRow> for Message {
    type Error = StoreError;

    fn try_from(r: MessageRow) -> StoreResult<Message> {
        let corrupt =
            |what: &str, v: &str| StoreError::Corrupt(format!("notification {what} {v:?}"));
        Ok(Message {
            trigger: r
                .trigger_name
                .parse()
                .map_err(|_| corrupt("trigger", &r.trigger_name))?,
            channel: r
                .channel
                .parse()
                .map_err(|_| corrupt("channel", &r.channel))?,
            status: MessageStatus::parse(&r.status).ok_or_else(|| corrupt("status", &r.status))?,
            id: r.id,
            shipment_id: r.shipment_id,
            merchant_id: r.merchant_id,
            attempts: r.attempts.0,
            next_attempt_at: r.next_attempt_at.0,
            message_id: r.message_id,
            answer: r.answer,
            created_at: r.created_at.0,
            sent_at: time(r.sent_at),
        })
    }
}

decoders!(MessageRow => Message, messages, message);

/// A `suppressions` row.
#[derive(sqlx::FromRow)]
pub struct SuppressionRow {
    contact_hash: String,
    masked: String,
    class: String,
    reason: String,
    created_at: DbTime,
}

impl From<SuppressionRow> for Suppression {
    fn from(r: SuppressionRow) -> Suppression {
        Suppression {
            contact_hash: r.contact_hash,
            masked: r.masked,
            class: r.class,
            reason: r.reason,
            created_at: r.created_at.0,
        }
    }
}

/// A `notification_templates` row without its source.
#[derive(sqlx::FromRow)]
pub struct TemplateInfoRow {
    trigger_name: String,
    channel: String,
    lang: String,
    updated_at: DbTime,
}

impl From<TemplateInfoRow> for TemplateInfo {
    fn from(r: TemplateInfoRow) -> TemplateInfo {
        TemplateInfo {
            trigger: r.trigger_name,
            channel: r.channel,
            lang: r.lang,
            updated_at: r.updated_at.0,
        }
    }
}

/// A whole `notification_templates` row.
#[derive(sqlx::FromRow)]
pub struct TemplateRow {
    #[sqlx(flatten)]
    info: TemplateInfoRow,
    source: String,
}

impl From<TemplateRow> for StoredTemplate {
    fn from(r: TemplateRow) -> StoredTemplate {
        StoredTemplate {
            info: r.info.into(),
            source: r.source,
        }
    }
}
