/// The `http_json` app's metadata in SOAR app JSON format; `HTTPJSONConnector` implements it.
public enum HTTPJSONApp {
    /// The app JSON text.
    public static let json: String = #"""
{
  "appid": "http_json",
  "name": "HTTP JSON",
  "description": "Polls any HTTP API that returns JSON or NDJSON records over a time window, with templated requests, authentication and pagination.",
  "type": "siem",
  "product_vendor": "Generic",
  "product_name": "HTTP JSON API",
  "product_version_regex": ".*",
  "publisher": "Intake",
  "license": "Apache-2.0",
  "app_version": "1.0.0",
  "min_phantom_version": "5.0.0",
  "configuration": {
    "base_url": {
      "data_type": "string",
      "description": "Base URL of the API (http:// or https://)",
      "required": true,
      "order": 0
    },
    "path": {
      "data_type": "string",
      "description": "Path appended to base_url",
      "required": false,
      "order": 1,
      "default": ""
    },
    "method": {
      "data_type": "string",
      "description": "HTTP method",
      "required": false,
      "order": 2,
      "value_list": [
        "GET",
        "POST",
        "PUT"
      ],
      "default": "GET"
    },
    "headers": {
      "data_type": "object",
      "description": "Extra request headers (a mapping; values may use the window templates)",
      "required": false,
      "order": 3
    },
    "query": {
      "data_type": "object",
      "description": "Query parameters (a mapping; values may use {{ start_time }}, {{ end_time }}, {{ container_count }}, {{ artifact_count }}, {{ cursor }})",
      "required": false,
      "order": 4
    },
    "body": {
      "data_type": "object",
      "description": "Request body for POST/PUT (a mapping sent as JSON; values may use the templates)",
      "required": false,
      "order": 5
    },
    "time_format": {
      "data_type": "string",
      "description": "How window times are written: iso8601, iso8601_micro, epoch_s, epoch_ms, or a strftime pattern (UTC)",
      "required": false,
      "order": 6,
      "default": "iso8601"
    },
    "records_path": {
      "data_type": "string",
      "description": "Dotted path of the records array in a response (data when not set); with NDJSON, of the record in each line (the line itself when not set)",
      "required": false,
      "order": 7
    },
    "response_format": {
      "data_type": "string",
      "description": "Response body format",
      "required": false,
      "order": 8,
      "value_list": [
        "json",
        "ndjson"
      ],
      "default": "json"
    },
    "pagination": {
      "data_type": "string",
      "description": "Pagination style",
      "required": false,
      "order": 9,
      "value_list": [
        "none",
        "page",
        "offset",
        "cursor",
        "next_url",
        "link_header"
      ],
      "default": "next_url"
    },
    "page_param": {
      "data_type": "string",
      "description": "Query parameter carrying the page number",
      "required": false,
      "order": 10,
      "default": "page"
    },
    "page_start": {
      "data_type": "numeric",
      "description": "Number of the first page",
      "required": false,
      "order": 11,
      "default": 1
    },
    "page_size": {
      "data_type": "numeric",
      "description": "Records per page",
      "required": false,
      "order": 12,
      "default": 100
    },
    "limit_param": {
      "data_type": "string",
      "description": "Query parameter carrying the page size",
      "required": false,
      "order": 13,
      "default": "limit"
    },
    "offset_param": {
      "data_type": "string",
      "description": "Query parameter carrying the offset",
      "required": false,
      "order": 14,
      "default": "offset"
    },
    "cursor_param": {
      "data_type": "string",
      "description": "Query parameter carrying the cursor",
      "required": false,
      "order": 15,
      "default": "cursor"
    },
    "cursor_path": {
      "data_type": "string",
      "description": "Dotted path of the next cursor in a response",
      "required": false,
      "order": 16,
      "default": "next_cursor"
    },
    "next_path": {
      "data_type": "string",
      "description": "Dotted path of the next page's URL in a response",
      "required": false,
      "order": 17,
      "default": "next"
    },
    "max_pages": {
      "data_type": "numeric",
      "description": "Most pages read per window",
      "required": false,
      "order": 18,
      "default": 1000
    },
    "auth": {
      "data_type": "string",
      "description": "Authentication",
      "required": false,
      "order": 19,
      "value_list": [
        "none",
        "basic",
        "bearer",
        "api_key",
        "oauth2_client_credentials"
      ],
      "default": "none"
    },
    "username": {
      "data_type": "string",
      "description": "User name (basic auth)",
      "required": false,
      "order": 20
    },
    "password": {
      "data_type": "password",
      "description": "Password (basic auth); env:NAME or file:PATH",
      "required": false,
      "order": 21
    },
    "token": {
      "data_type": "password",
      "description": "Bearer token; env:NAME or file:PATH",
      "required": false,
      "order": 22
    },
    "api_key": {
      "data_type": "password",
      "description": "API key; env:NAME or file:PATH",
      "required": false,
      "order": 23
    },
    "api_key_name": {
      "data_type": "string",
      "description": "Header or query parameter carrying the API key",
      "required": false,
      "order": 24,
      "default": "X-API-Key"
    },
    "api_key_in": {
      "data_type": "string",
      "description": "Where the API key goes",
      "required": false,
      "order": 25,
      "value_list": [
        "header",
        "query"
      ],
      "default": "header"
    },
    "client_id": {
      "data_type": "string",
      "description": "OAuth2 client id",
      "required": false,
      "order": 26
    },
    "client_secret": {
      "data_type": "password",
      "description": "OAuth2 client secret; env:NAME or file:PATH",
      "required": false,
      "order": 27
    },
    "token_url": {
      "data_type": "string",
      "description": "OAuth2 token endpoint",
      "required": false,
      "order": 28
    },
    "scope": {
      "data_type": "string",
      "description": "OAuth2 scope",
      "required": false,
      "order": 29
    },
    "verify_server_cert": {
      "data_type": "boolean",
      "description": "Verify the server's TLS certificate",
      "required": false,
      "order": 30,
      "default": true
    },
    "ca_bundle": {
      "data_type": "string",
      "description": "PEM CA bundle for this asset (relative to the configuration directory)",
      "required": false,
      "order": 31
    },
    "client_cert": {
      "data_type": "string",
      "description": "PEM client certificate for mutual TLS",
      "required": false,
      "order": 32
    },
    "client_key": {
      "data_type": "string",
      "description": "PEM client key for mutual TLS",
      "required": false,
      "order": 33
    },
    "proxy": {
      "data_type": "string",
      "description": "Proxy URL",
      "required": false,
      "order": 34
    },
    "proxy_username": {
      "data_type": "string",
      "description": "Proxy user name",
      "required": false,
      "order": 35
    },
    "proxy_password": {
      "data_type": "password",
      "description": "Proxy password; env:NAME or file:PATH",
      "required": false,
      "order": 36
    },
    "timeout": {
      "data_type": "numeric",
      "description": "Seconds allowed for one request",
      "required": false,
      "order": 37,
      "default": 30
    },
    "product_version": {
      "data_type": "string",
      "description": "Version of the product behind the API, matched against the actions' versions",
      "required": false,
      "order": 38
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
