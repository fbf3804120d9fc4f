/// The `file` app's metadata in SOAR app JSON format; `FileConnector` implements it.
public enum FileApp {
    /// The app JSON text.
    public static let json: String = #"""
{
  "appid": "file",
  "name": "File",
  "description": "Reads JSON, NDJSON, CSV and CEF syslog files, windowed on a timestamp field.",
  "type": "ingestion",
  "product_vendor": "Generic",
  "product_name": "Log files",
  "product_version_regex": ".*",
  "publisher": "Intake",
  "license": "Apache-2.0",
  "app_version": "1.0.0",
  "min_phantom_version": "5.0.0",
  "configuration": {
    "path": {
      "data_type": "string",
      "description": "A file path or glob (relative to the configuration directory)",
      "required": true,
      "order": 0
    },
    "format": {
      "data_type": "string",
      "description": "Record format",
      "required": false,
      "order": 1,
      "value_list": [
        "auto",
        "json",
        "ndjson",
        "csv",
        "cef"
      ],
      "default": "auto"
    },
    "records_path": {
      "data_type": "string",
      "description": "Dotted path of the records array in a JSON file",
      "required": false,
      "order": 2
    },
    "timestamp_field": {
      "data_type": "string",
      "description": "Field whose time places a record in the poll window",
      "required": false,
      "order": 3
    },
    "time_format": {
      "data_type": "string",
      "description": "How timestamp_field is written: auto (ISO-8601, epoch seconds or milliseconds by magnitude, or CEF time), iso8601, epoch_s, epoch_ms, or cef (MMM dd yyyy HH:mm:ss)",
      "required": false,
      "order": 4,
      "default": "auto"
    },
    "timezone": {
      "data_type": "string",
      "description": "Zone of timestamps written without an offset (IANA name)",
      "required": false,
      "order": 5,
      "default": "UTC"
    },
    "product_version": {
      "data_type": "string",
      "description": "Version of the product that wrote the files, matched against the actions' versions",
      "required": false,
      "order": 6
    }
  },
  "actions": [
    {
      "action": "test connectivity",
      "identifier": "test_asset_connectivity",
      "description": "Validate the asset configuration for connectivity",
      "verbose": "",
      "type": "test",
      "read_only": true,
      "parameters": {},
      "output": [],
      "versions": "EQ(*)"
    },
    {
      "action": "on poll",
      "identifier": "on_poll",
      "description": "Callback action for the on_poll ingest functionality.",
      "type": "ingest",
      "read_only": true,
      "parameters": {
        "container_id": {
          "data_type": "string",
          "order": 0,
          "description": "Container IDs to limit the ingestion to.",
          "allow_list": true
        },
        "start_time": {
          "data_type": "numeric",
          "order": 1,
          "description": "Start of time range, in epoch time (milliseconds)",
          "verbose": "If not specified, the default is past 10 days"
        },
        "end_time": {
          "data_type": "numeric",
          "order": 2,
          "description": "End of time range, in epoch time (milliseconds)",
          "verbose": "If not specified, the default is now"
        },
        "container_count": {
          "data_type": "numeric",
          "order": 3,
          "description": "Maximum number of container records to query for."
        },
        "artifact_count": {
          "data_type": "numeric",
          "order": 4,
          "description": "Maximum number of artifact records to query for."
        }
      },
      "output": [],
      "versions": "EQ(*)"
    }
  ]
}
"""#
}
