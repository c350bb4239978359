//! `GET /sampling` and `PUT /sampling`: the running samplers' targets and overrides, read and
//! changed without a restart.
//!
//! `PUT` takes `{"sampler": "adaptive_sampler", "target_traces_per_second": 20, "overrides":
//! [{"service": "checkout", "probability": 1.0}]}` (an override may name an `operation` too, with
//! `key: service_operation`): `sampler` may be left out when one runs, a
//! missing field stays as it is, and `overrides` replaces the whole list. The change is checked
//! whole and applied at once by the sampler's decision task, which answers with what is in force.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use weir_sampler::adaptive::{ServiceOverride, Tuning};

use super::AdminState;
use crate::sample::SampleStage;

/// Every sampler's tuning.
pub(super) async fn read(State(state): State<Arc<AdminState>>) -> Response {
    let mut all = Vec::new();
    for stage in &state.samplers {
        match stage.tune(Tuning::default()).await {
            Some(Ok(tuning)) => all.push(to_json(stage.id(), &tuning)),
            _ => return stopped(),
        }
    }
    reply(StatusCode::OK, &Value::Array(all))
}

/// Changes one sampler's tuning.
pub(super) async fn change(State(state): State<Arc<AdminState>>, body: Bytes) -> Response {
    let (name, change) = match parse(&body) {
        Ok(parsed) => parsed,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    let stage = match pick(&state.samplers, name.as_deref()) {
        Ok(stage) => stage,
        Err((status, message)) => return error(status, message),
    };
    match stage.tune(change).await {
        Some(Ok(tuning)) => reply(StatusCode::OK, &to_json(stage.id(), &tuning)),
        Some(Err(refused)) => error(StatusCode::BAD_REQUEST, refused.to_string()),
        None => stopped(),
    }
}

/// The sampler a change is for: the one named, or the only one.
fn pick<'s>(
    samplers: &'s [Arc<SampleStage>],
    name: Option<&str>,
) -> Result<&'s Arc<SampleStage>, (StatusCode, String)> {
    let names = || {
        samplers
            .iter()
            .map(|s| s.id())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (name, samplers) {
        (_, []) => Err((
            StatusCode::NOT_FOUND,
            "no adaptive_sampler runs in this configuration".to_owned(),
        )),
        (Some(name), _) => samplers.iter().find(|s| s.id() == name).ok_or_else(|| {
            (
                StatusCode::NOT_FOUND,
                format!("no sampler `{name}`; running: {}", names()),
            )
        }),
        (None, [only]) => Ok(only),
        (None, _) => Err((
            StatusCode::BAD_REQUEST,
            format!("several samplers run: name one in `sampler` ({})", names()),
        )),
    }
}

/// Reads a `PUT /sampling` body.
fn parse(body: &[u8]) -> Result<(Option<String>, Tuning), String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    let object = value.as_object().ok_or("the body must be a JSON object")?;
    for key in object.keys() {
        if !["sampler", "target_traces_per_second", "overrides"].contains(&key.as_str()) {
            return Err(format!(
                "unknown field `{key}`: expected sampler, target_traces_per_second, overrides"
            ));
        }
    }
    let name = match object.get("sampler") {
        None => None,
        Some(Value::String(name)) => Some(name.clone()),
        Some(_) => return Err("`sampler` must be a string".to_owned()),
    };
    let number = |value: Option<&Value>, what: &str| match value {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_f64()
            .map(Some)
            .ok_or(format!("`{what}` must be a number")),
    };
    let target_traces_per_second = number(
        object.get("target_traces_per_second"),
        "target_traces_per_second",
    )?;
    let overrides = match object.get("overrides") {
        None => None,
        Some(Value::Array(rules)) => Some(
            rules
                .iter()
                .map(|rule| {
                    let service = rule
                        .get("service")
                        .and_then(Value::as_str)
                        .ok_or("each override needs a `service` string")?;
                    let operation = match rule.get("operation") {
                        None | Some(Value::Null) => None,
                        Some(Value::String(operation)) => Some(operation.clone()),
                        Some(_) => {
                            return Err("an override's `operation` must be a string".to_owned());
                        }
                    };
                    Ok(ServiceOverride {
                        service: service.to_owned(),
                        operation,
                        probability: number(rule.get("probability"), "probability")?,
                        target_traces_per_second: number(
                            rule.get("target_traces_per_second"),
                            "target_traces_per_second",
                        )?,
                    })
                })
                .collect::<Result<Vec<_>, String>>()?,
        ),
        Some(_) => return Err("`overrides` must be a list".to_owned()),
    };
    Ok((
        name,
        Tuning {
            target_traces_per_second,
            overrides,
        },
    ))
}

fn to_json(sampler: &str, tuning: &Tuning) -> Value {
    let overrides: Vec<Value> = tuning
        .overrides
        .iter()
        .flatten()
        .map(|o| {
            let mut rule = json!({ "service": o.service });
            if let Some(operation) = &o.operation {
                rule["operation"] = json!(operation);
            }
            if let Some(p) = o.probability {
                rule["probability"] = json!(p);
            }
            if let Some(t) = o.target_traces_per_second {
                rule["target_traces_per_second"] = json!(t);
            }
            rule
        })
        .collect();
    json!({ "sampler": sampler, "target_traces_per_second": tuning.target_traces_per_second, "overrides": overrides })
}

fn reply(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    reply(status, &json!({ "error": message.into() }))
}

/// The decision task is gone: weir is shutting down.
fn stopped() -> Response {
    error(StatusCode::SERVICE_UNAVAILABLE, "weir is shutting down")
}
