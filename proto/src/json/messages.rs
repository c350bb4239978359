//! The OTLP messages' JSON keys and field codecs, in proto field order.

use serde::de::MapAccess;
use serde::ser::SerializeMap;

use super::codec::{
    Codec, JsonMessage, Msg, Opt, Repeated, Write, read_into, read_value, skip_value, write_field,
};
use super::scalars::{Base64, Bool, Enum, F64, Hex, I32, I64, NamedEnum, Str, U32, U64};
use crate::otlp::collector::logs::v1::ExportLogsServiceRequest;
use crate::otlp::collector::metrics::v1::ExportMetricsServiceRequest;
use crate::otlp::collector::trace::v1::ExportTraceServiceRequest;
use crate::otlp::common::v1::any_value::Value;
use crate::otlp::common::v1::{
    AnyValue, ArrayValue, EntityRef, InstrumentationScope, KeyValue, KeyValueList,
};
use crate::otlp::logs::v1::{LogRecord, ResourceLogs, ScopeLogs, SeverityNumber};
use crate::otlp::metrics::v1::exponential_histogram_data_point::Buckets;
use crate::otlp::metrics::v1::summary_data_point::ValueAtQuantile;
use crate::otlp::metrics::v1::{
    AggregationTemporality, Exemplar, ExponentialHistogram, ExponentialHistogramDataPoint, Gauge,
    Histogram, HistogramDataPoint, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum,
    Summary, SummaryDataPoint, exemplar, metric, number_data_point,
};
use crate::otlp::resource::v1::Resource;
use crate::otlp::trace::v1::span::{Event, Link, SpanKind};
use crate::otlp::trace::v1::status::StatusCode;
use crate::otlp::trace::v1::{ResourceSpans, ScopeSpans, Span, Status};

type Attributes = Repeated<Msg<KeyValue>>;
type OptF64 = Opt<F64>;

/// Implements [`JsonMessage`] for a message without oneofs from its list of `"jsonKey" => field: Codec`.
macro_rules! message {
    ($ty:ty { $($key:literal => $field:ident: $codec:ty),* $(,)? }) => {
        impl JsonMessage for $ty {
            const NAME: &'static str = stringify!($ty);
            const FIELDS: &'static [&'static str] = &[$($key),*];

            fn read_field<'de, A: MapAccess<'de>>(
                &mut self,
                key: &'static str,
                map: &mut A,
            ) -> Result<(), A::Error> {
                match key {
                    $($key => read_into::<$codec, A>(&mut self.$field, map),)*
                    _ => skip_value(map),
                }
            }

            fn write_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
                $(write_field::<$codec, M>(map, $key, &self.$field)?;)*
                Ok(())
            }
        }
    };
}

macro_rules! named_enum {
    ($($ty:ty: $prefix:literal;)*) => {$(
        impl NamedEnum for $ty {
            const PREFIX: &'static str = $prefix;

            fn number(name: &str) -> Option<i32> {
                <$ty>::from_str_name(name).map(|value| value as i32)
            }
        }
    )*};
}

named_enum! {
    SpanKind: "SPAN_KIND_";
    StatusCode: "STATUS_CODE_";
    SeverityNumber: "SEVERITY_NUMBER_";
    AggregationTemporality: "AGGREGATION_TEMPORALITY_";
}

/// Writes one member of a oneof: unlike plain fields it is written even when it holds a default value,
/// because which member is set is itself information.
fn write_member<C: Codec, M: SerializeMap>(
    map: &mut M,
    key: &'static str,
    value: &C::Value,
) -> Result<(), M::Error> {
    map.serialize_entry(key, &Write::<C>(value))
}

// Common.

impl JsonMessage for AnyValue {
    const NAME: &'static str = "AnyValue";
    const FIELDS: &'static [&'static str] = &[
        "stringValue",
        "boolValue",
        "intValue",
        "doubleValue",
        "arrayValue",
        "kvlistValue",
        "bytesValue",
        "stringValueStrindex",
    ];

    fn read_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &'static str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        let value = match key {
            "stringValue" => read_value::<Str, A>(map)?.map(Value::StringValue),
            "boolValue" => read_value::<Bool, A>(map)?.map(Value::BoolValue),
            "intValue" => read_value::<I64, A>(map)?.map(Value::IntValue),
            "doubleValue" => read_value::<F64, A>(map)?.map(Value::DoubleValue),
            "arrayValue" => read_value::<Msg<ArrayValue>, A>(map)?.map(Value::ArrayValue),
            "kvlistValue" => read_value::<Msg<KeyValueList>, A>(map)?.map(Value::KvlistValue),
            "bytesValue" => read_value::<Base64, A>(map)?.map(Value::BytesValue),
            "stringValueStrindex" => read_value::<I32, A>(map)?.map(Value::StringValueStrindex),
            _ => return skip_value(map),
        };
        if value.is_some() {
            self.value = value;
        }
        Ok(())
    }

    fn write_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        match &self.value {
            None => Ok(()),
            Some(Value::StringValue(v)) => write_member::<Str, M>(map, "stringValue", v),
            Some(Value::BoolValue(v)) => write_member::<Bool, M>(map, "boolValue", v),
            Some(Value::IntValue(v)) => write_member::<I64, M>(map, "intValue", v),
            Some(Value::DoubleValue(v)) => write_member::<F64, M>(map, "doubleValue", v),
            Some(Value::ArrayValue(v)) => write_member::<Msg<ArrayValue>, M>(map, "arrayValue", v),
            Some(Value::KvlistValue(v)) => {
                write_member::<Msg<KeyValueList>, M>(map, "kvlistValue", v)
            }
            Some(Value::BytesValue(v)) => write_member::<Base64, M>(map, "bytesValue", v),
            Some(Value::StringValueStrindex(v)) => {
                write_member::<I32, M>(map, "stringValueStrindex", v)
            }
        }
    }
}

message!(ArrayValue { "values" => values: Repeated<Msg<AnyValue>> });
message!(KeyValueList { "values" => values: Attributes });
message!(KeyValue {
    "key" => key: Str,
    "value" => value: Opt<Msg<AnyValue>>,
    "keyStrindex" => key_strindex: I32,
});
message!(InstrumentationScope {
    "name" => name: Str,
    "version" => version: Str,
    "attributes" => attributes: Attributes,
    "droppedAttributesCount" => dropped_attributes_count: U32,
});
message!(EntityRef {
    "schemaUrl" => schema_url: Str,
    "type" => r#type: Str,
    "idKeys" => id_keys: Repeated<Str>,
    "descriptionKeys" => description_keys: Repeated<Str>,
});
message!(Resource {
    "attributes" => attributes: Attributes,
    "droppedAttributesCount" => dropped_attributes_count: U32,
    "entityRefs" => entity_refs: Repeated<Msg<EntityRef>>,
});

// Traces.

message!(ExportTraceServiceRequest { "resourceSpans" => resource_spans: Repeated<Msg<ResourceSpans>> });
message!(ResourceSpans {
    "resource" => resource: Opt<Msg<Resource>>,
    "scopeSpans" => scope_spans: Repeated<Msg<ScopeSpans>>,
    "schemaUrl" => schema_url: Str,
});
message!(ScopeSpans {
    "scope" => scope: Opt<Msg<InstrumentationScope>>,
    "spans" => spans: Repeated<Msg<Span>>,
    "schemaUrl" => schema_url: Str,
});
message!(Span {
    "traceId" => trace_id: Hex,
    "spanId" => span_id: Hex,
    "traceState" => trace_state: Str,
    "parentSpanId" => parent_span_id: Hex,
    "flags" => flags: U32,
    "name" => name: Str,
    "kind" => kind: Enum<SpanKind>,
    "startTimeUnixNano" => start_time_unix_nano: U64,
    "endTimeUnixNano" => end_time_unix_nano: U64,
    "attributes" => attributes: Attributes,
    "droppedAttributesCount" => dropped_attributes_count: U32,
    "events" => events: Repeated<Msg<Event>>,
    "droppedEventsCount" => dropped_events_count: U32,
    "links" => links: Repeated<Msg<Link>>,
    "droppedLinksCount" => dropped_links_count: U32,
    "status" => status: Opt<Msg<Status>>,
});
message!(Event {
    "timeUnixNano" => time_unix_nano: U64,
    "name" => name: Str,
    "attributes" => attributes: Attributes,
    "droppedAttributesCount" => dropped_attributes_count: U32,
});
message!(Link {
    "traceId" => trace_id: Hex,
    "spanId" => span_id: Hex,
    "traceState" => trace_state: Str,
    "attributes" => attributes: Attributes,
    "droppedAttributesCount" => dropped_attributes_count: U32,
    "flags" => flags: U32,
});
message!(Status {
    "message" => message: Str,
    "code" => code: Enum<StatusCode>,
});

// Metrics.

message!(ExportMetricsServiceRequest { "resourceMetrics" => resource_metrics: Repeated<Msg<ResourceMetrics>> });
message!(ResourceMetrics {
    "resource" => resource: Opt<Msg<Resource>>,
    "scopeMetrics" => scope_metrics: Repeated<Msg<ScopeMetrics>>,
    "schemaUrl" => schema_url: Str,
});
message!(ScopeMetrics {
    "scope" => scope: Opt<Msg<InstrumentationScope>>,
    "metrics" => metrics: Repeated<Msg<Metric>>,
    "schemaUrl" => schema_url: Str,
});

impl JsonMessage for Metric {
    const NAME: &'static str = "Metric";
    const FIELDS: &'static [&'static str] = &[
        "name",
        "description",
        "unit",
        "gauge",
        "sum",
        "histogram",
        "exponentialHistogram",
        "summary",
        "metadata",
    ];

    fn read_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &'static str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        use metric::Data;
        let data = match key {
            "name" => return read_into::<Str, A>(&mut self.name, map),
            "description" => return read_into::<Str, A>(&mut self.description, map),
            "unit" => return read_into::<Str, A>(&mut self.unit, map),
            "metadata" => return read_into::<Attributes, A>(&mut self.metadata, map),
            "gauge" => read_value::<Msg<Gauge>, A>(map)?.map(Data::Gauge),
            "sum" => read_value::<Msg<Sum>, A>(map)?.map(Data::Sum),
            "histogram" => read_value::<Msg<Histogram>, A>(map)?.map(Data::Histogram),
            "exponentialHistogram" => {
                read_value::<Msg<ExponentialHistogram>, A>(map)?.map(Data::ExponentialHistogram)
            }
            "summary" => read_value::<Msg<Summary>, A>(map)?.map(Data::Summary),
            _ => return skip_value(map),
        };
        if data.is_some() {
            self.data = data;
        }
        Ok(())
    }

    fn write_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        use metric::Data;
        write_field::<Str, M>(map, "name", &self.name)?;
        write_field::<Str, M>(map, "description", &self.description)?;
        write_field::<Str, M>(map, "unit", &self.unit)?;
        match &self.data {
            None => {}
            Some(Data::Gauge(v)) => write_member::<Msg<Gauge>, M>(map, "gauge", v)?,
            Some(Data::Sum(v)) => write_member::<Msg<Sum>, M>(map, "sum", v)?,
            Some(Data::Histogram(v)) => write_member::<Msg<Histogram>, M>(map, "histogram", v)?,
            Some(Data::ExponentialHistogram(v)) => {
                write_member::<Msg<ExponentialHistogram>, M>(map, "exponentialHistogram", v)?
            }
            Some(Data::Summary(v)) => write_member::<Msg<Summary>, M>(map, "summary", v)?,
        }
        write_field::<Attributes, M>(map, "metadata", &self.metadata)
    }
}

message!(Gauge { "dataPoints" => data_points: Repeated<Msg<NumberDataPoint>> });
message!(Sum {
    "dataPoints" => data_points: Repeated<Msg<NumberDataPoint>>,
    "aggregationTemporality" => aggregation_temporality: Enum<AggregationTemporality>,
    "isMonotonic" => is_monotonic: Bool,
});
message!(Histogram {
    "dataPoints" => data_points: Repeated<Msg<HistogramDataPoint>>,
    "aggregationTemporality" => aggregation_temporality: Enum<AggregationTemporality>,
});
message!(ExponentialHistogram {
    "dataPoints" => data_points: Repeated<Msg<ExponentialHistogramDataPoint>>,
    "aggregationTemporality" => aggregation_temporality: Enum<AggregationTemporality>,
});
message!(Summary { "dataPoints" => data_points: Repeated<Msg<SummaryDataPoint>> });

impl JsonMessage for NumberDataPoint {
    const NAME: &'static str = "NumberDataPoint";
    const FIELDS: &'static [&'static str] = &[
        "attributes",
        "startTimeUnixNano",
        "timeUnixNano",
        "asDouble",
        "asInt",
        "exemplars",
        "flags",
    ];

    fn read_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &'static str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        use number_data_point::Value;
        let value = match key {
            "attributes" => return read_into::<Attributes, A>(&mut self.attributes, map),
            "startTimeUnixNano" => return read_into::<U64, A>(&mut self.start_time_unix_nano, map),
            "timeUnixNano" => return read_into::<U64, A>(&mut self.time_unix_nano, map),
            "exemplars" => {
                return read_into::<Repeated<Msg<Exemplar>>, A>(&mut self.exemplars, map);
            }
            "flags" => return read_into::<U32, A>(&mut self.flags, map),
            "asDouble" => read_value::<F64, A>(map)?.map(Value::AsDouble),
            "asInt" => read_value::<I64, A>(map)?.map(Value::AsInt),
            _ => return skip_value(map),
        };
        if value.is_some() {
            self.value = value;
        }
        Ok(())
    }

    fn write_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        use number_data_point::Value;
        write_field::<Attributes, M>(map, "attributes", &self.attributes)?;
        write_field::<U64, M>(map, "startTimeUnixNano", &self.start_time_unix_nano)?;
        write_field::<U64, M>(map, "timeUnixNano", &self.time_unix_nano)?;
        match &self.value {
            None => {}
            Some(Value::AsDouble(v)) => write_member::<F64, M>(map, "asDouble", v)?,
            Some(Value::AsInt(v)) => write_member::<I64, M>(map, "asInt", v)?,
        }
        write_field::<Repeated<Msg<Exemplar>>, M>(map, "exemplars", &self.exemplars)?;
        write_field::<U32, M>(map, "flags", &self.flags)
    }
}

message!(HistogramDataPoint {
    "attributes" => attributes: Attributes,
    "startTimeUnixNano" => start_time_unix_nano: U64,
    "timeUnixNano" => time_unix_nano: U64,
    "count" => count: U64,
    "sum" => sum: OptF64,
    "bucketCounts" => bucket_counts: Repeated<U64>,
    "explicitBounds" => explicit_bounds: Repeated<F64>,
    "exemplars" => exemplars: Repeated<Msg<Exemplar>>,
    "flags" => flags: U32,
    "min" => min: OptF64,
    "max" => max: OptF64,
});
message!(ExponentialHistogramDataPoint {
    "attributes" => attributes: Attributes,
    "startTimeUnixNano" => start_time_unix_nano: U64,
    "timeUnixNano" => time_unix_nano: U64,
    "count" => count: U64,
    "sum" => sum: OptF64,
    "scale" => scale: I32,
    "zeroCount" => zero_count: U64,
    "positive" => positive: Opt<Msg<Buckets>>,
    "negative" => negative: Opt<Msg<Buckets>>,
    "flags" => flags: U32,
    "exemplars" => exemplars: Repeated<Msg<Exemplar>>,
    "min" => min: OptF64,
    "max" => max: OptF64,
    "zeroThreshold" => zero_threshold: F64,
});
message!(Buckets {
    "offset" => offset: I32,
    "bucketCounts" => bucket_counts: Repeated<U64>,
});
message!(SummaryDataPoint {
    "attributes" => attributes: Attributes,
    "startTimeUnixNano" => start_time_unix_nano: U64,
    "timeUnixNano" => time_unix_nano: U64,
    "count" => count: U64,
    "sum" => sum: F64,
    "quantileValues" => quantile_values: Repeated<Msg<ValueAtQuantile>>,
    "flags" => flags: U32,
});
message!(ValueAtQuantile {
    "quantile" => quantile: F64,
    "value" => value: F64,
});

impl JsonMessage for Exemplar {
    const NAME: &'static str = "Exemplar";
    const FIELDS: &'static [&'static str] = &[
        "filteredAttributes",
        "timeUnixNano",
        "asDouble",
        "asInt",
        "spanId",
        "traceId",
    ];

    fn read_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &'static str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        use exemplar::Value;
        let value = match key {
            "filteredAttributes" => {
                return read_into::<Attributes, A>(&mut self.filtered_attributes, map);
            }
            "timeUnixNano" => return read_into::<U64, A>(&mut self.time_unix_nano, map),
            "spanId" => return read_into::<Hex, A>(&mut self.span_id, map),
            "traceId" => return read_into::<Hex, A>(&mut self.trace_id, map),
            "asDouble" => read_value::<F64, A>(map)?.map(Value::AsDouble),
            "asInt" => read_value::<I64, A>(map)?.map(Value::AsInt),
            _ => return skip_value(map),
        };
        if value.is_some() {
            self.value = value;
        }
        Ok(())
    }

    fn write_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        use exemplar::Value;
        write_field::<Attributes, M>(map, "filteredAttributes", &self.filtered_attributes)?;
        write_field::<U64, M>(map, "timeUnixNano", &self.time_unix_nano)?;
        match &self.value {
            None => {}
            Some(Value::AsDouble(v)) => write_member::<F64, M>(map, "asDouble", v)?,
            Some(Value::AsInt(v)) => write_member::<I64, M>(map, "asInt", v)?,
        }
        write_field::<Hex, M>(map, "spanId", &self.span_id)?;
        write_field::<Hex, M>(map, "traceId", &self.trace_id)
    }
}

// Logs.

message!(ExportLogsServiceRequest { "resourceLogs" => resource_logs: Repeated<Msg<ResourceLogs>> });
message!(ResourceLogs {
    "resource" => resource: Opt<Msg<Resource>>,
    "scopeLogs" => scope_logs: Repeated<Msg<ScopeLogs>>,
    "schemaUrl" => schema_url: Str,
});
message!(ScopeLogs {
    "scope" => scope: Opt<Msg<InstrumentationScope>>,
    "logRecords" => log_records: Repeated<Msg<LogRecord>>,
    "schemaUrl" => schema_url: Str,
});
message!(LogRecord {
    "timeUnixNano" => time_unix_nano: U64,
    "observedTimeUnixNano" => observed_time_unix_nano: U64,
    "severityNumber" => severity_number: Enum<SeverityNumber>,
    "severityText" => severity_text: Str,
    "body" => body: Opt<Msg<AnyValue>>,
    "attributes" => attributes: Attributes,
    "droppedAttributesCount" => dropped_attributes_count: U32,
    "flags" => flags: U32,
    "traceId" => trace_id: Hex,
    "spanId" => span_id: Hex,
    "eventName" => event_name: Str,
});
