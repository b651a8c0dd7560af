//! `GET /v1/analytics/carriers`: courier performance of the calling merchant's shipments,
//! as JSON or (with `Accept: text/csv` or `format=csv`) CSV.

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

use super::extract::ApiQuery;
use crate::analytics::{carrier_report, to_csv, CarrierReport, CarrierStats, GroupBy, Range};
use crate::api::auth::AuthMerchant;
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;

/// Longest range one report may cover.
pub const MAX_RANGE_DAYS: i64 = 400;
/// Range used when `from` is left out.
pub const DEFAULT_RANGE_DAYS: i64 = 90;

/// Query of `GET /v1/analytics/carriers`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AnalyticsQuery {
    /// Registered from (inclusive): `YYYY-MM-DD` (UTC day) or RFC 3339. Default: 90 days before `to`.
    pub from: Option<String>,
    /// Registered until: `YYYY-MM-DD` includes that whole day (UTC); an RFC 3339 instant is
    /// exclusive. Default: now.
    pub to: Option<String>,
    /// `carrier` (default), `service`, `lane` or `week`.
    pub group_by: Option<String>,
    /// `json` (default) or `csv` (same as `Accept: text/csv`).
    pub format: Option<String>,
}

/// Parses `from`/`to`; a bare date is the start of that UTC day, or of the next one for an
/// inclusive end.
fn instant(field: &str, v: &str, end: bool) -> ApiResult<DateTime<Utc>> {
    let v = v.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
        ApiError::field(field, "must be a date (YYYY-MM-DD) or an RFC 3339 instant")
    })?;
    let date = if end {
        date.succ_opt().unwrap_or(date)
    } else {
        date
    };
    Ok(date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
}

/// Checks the query: the range and the grouping.
pub fn parse(q: &AnalyticsQuery, now: DateTime<Utc>) -> ApiResult<(Range, GroupBy, bool)> {
    let to = match q.to.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(v) => instant("to", v, true)?,
        None => now,
    };
    let from = match q.from.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(v) => instant("from", v, false)?,
        None => to - Duration::days(DEFAULT_RANGE_DAYS),
    };
    if from >= to {
        return Err(ApiError::field("from", "must be before `to`"));
    }
    if to - from > Duration::days(MAX_RANGE_DAYS) {
        return Err(ApiError::field(
            "to",
            format!("the range may cover at most {MAX_RANGE_DAYS} days"),
        ));
    }
    let group_by = match q
        .group_by
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => GroupBy::Carrier,
        Some(g) => GroupBy::parse(g).ok_or_else(|| {
            ApiError::field("group_by", "must be one of carrier, service, lane, week")
        })?,
    };
    let csv = match q.format.as_deref().map(str::trim) {
        None | Some("") | Some("json") => false,
        Some("csv") => true,
        Some(_) => return Err(ApiError::field("format", "must be json or csv")),
    };
    Ok((Range { from, to }, group_by, csv))
}

fn wants_csv(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|m| m.trim().to_ascii_lowercase().starts_with("text/csv"))
}

/// Courier performance: shipments, delivered, transit p50/p90 (first scan → delivery) in
/// hours and working days, time to first scan, on-time rate against the original ETA,
/// first-attempt delivery rate, exception and return rates, ETA accuracy.
#[utoipa::path(get, path = "/v1/analytics/carriers", tag = "analytics", security(("api_key" = [])),
    params(AnalyticsQuery),
    responses(
        (status = 200, description = "The report (JSON, or CSV when asked)",
            content((CarrierReport = "application/json"), (String = "text/csv"))),
        (status = 401, description = "No or bad API key", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is invalid; `field` names it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn carriers(
    State(state): State<AppState>,
    AuthMerchant(merchant): AuthMerchant,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<AnalyticsQuery>,
) -> ApiResult<Response> {
    let (range, group_by, csv) = parse(&q, Utc::now())?;
    let report = carrier_report(&*state.store, &merchant.id, range, group_by).await?;
    if csv || wants_csv(&headers) {
        let name = format!(
            "attachment; filename=\"carriers-{}-{}.csv\"",
            range.from.format("%Y%m%d"),
            range.to.format("%Y%m%d")
        );
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, name),
            ],
            to_csv(&report),
        )
            .into_response());
    }
    Ok(axum::Json(report).into_response())
}

/// The analytics routes' OpenAPI document (merged through `api::docs::extra_docs`).
#[derive(OpenApi)]
#[openapi(
    paths(carriers),
    components(schemas(CarrierReport, CarrierStats, GroupBy))
)]
pub struct AnalyticsDoc;

#[cfg(test)]
mod tests {
    use super::*;

    fn q(from: Option<&str>, to: Option<&str>, group_by: Option<&str>) -> AnalyticsQuery {
        AnalyticsQuery {
            from: from.map(str::to_string),
            to: to.map(str::to_string),
            group_by: group_by.map(str::to_string),
            format: None,
        }
    }

    fn field(r: ApiResult<(Range, GroupBy, bool)>) -> String {
        match r {
            Err(ApiError::Validation { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn ranges_dates_and_groupings() {
        let now = Utc::now();
        let (r, g, csv) = parse(
            &q(Some("2026-01-01"), Some("2026-03-31"), Some("lane")),
            now,
        )
        .unwrap();
        assert_eq!(r.from.to_rfc3339(), "2026-01-01T00:00:00+00:00");
        assert_eq!(r.to.to_rfc3339(), "2026-04-01T00:00:00+00:00");
        assert_eq!((g, csv), (GroupBy::Lane, false));
        let (r, g, _) = parse(&q(None, None, None), now).unwrap();
        assert_eq!(
            (r.to, r.to - r.from, g),
            (now, Duration::days(90), GroupBy::Carrier)
        );
        assert_eq!(field(parse(&q(Some("yesterday"), None, None), now)), "from");
        assert_eq!(
            field(parse(&q(Some("2026-02-01"), Some("2026-01-01"), None), now)),
            "from"
        );
        assert_eq!(
            field(parse(&q(Some("2020-01-01"), Some("2026-01-01"), None), now)),
            "to"
        );
        assert_eq!(field(parse(&q(None, None, Some("day")), now)), "group_by");
    }

    #[test]
    fn csv_is_negotiated() {
        let mut h = HeaderMap::new();
        assert!(!wants_csv(&h));
        h.insert(
            header::ACCEPT,
            "application/json, text/csv;q=0.9".parse().unwrap(),
        );
        assert!(wants_csv(&h));
    }
}
