// The API's OpenAPI 3.1 document, served at /api/v1/openapi.json. Tests keep it true: every
// route it names answers as it says, every answer of the API validates against its schema, and
// every API route the server has is in it (Tests/TandemServerTests/OpenAPITests.swift).

enum OpenAPIDocument {
    static let json = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "Tandem API",
    "version": "1",
    "description": "The dashboard's data for tools: alerts (with acknowledgement and snooze), key results and their check-ins, units and decisions, runs, what-if. Every answer respects who may see what: OKRs are public inside the company; KPI details (values, targets, forecasts, alerts), and those of committed key results of units managed by KPI, are visible only to their owner, the leads of their unit and the units above, HR and admins. What one may not know exists answers 404. Authenticate with `Authorization: Bearer tdm_…` (`tandem tokens create --user EMAIL`); the dashboard's session cookie also reads, but writes take a token."
  },
  "servers": [
    {
      "url": "/api/v1"
    }
  ],
  "security": [
    {
      "bearer": []
    }
  ],
  "paths": {
    "/alerts": {
      "get": {
        "operationId": "listAlerts",
        "summary": "A page of alerts the caller may see",
        "parameters": [
          {
            "name": "unit",
            "in": "query",
            "required": false,
            "description": "A unit's id: its alerts and those of the units below it.",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "owner",
            "in": "query",
            "required": false,
            "description": "The owner of the key results (as in the key-result files).",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "severity",
            "in": "query",
            "required": false,
            "description": "Comma-separated: info, warning, critical.",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "status",
            "in": "query",
            "required": false,
            "description": "live (open or acknowledged, not snoozed; the default), open, acked, snoozed, resolved, all.",
            "schema": {
              "type": "string",
              "enum": [
                "live",
                "open",
                "acked",
                "snoozed",
                "resolved",
                "all"
              ]
            }
          },
          {
            "name": "kind",
            "in": "query",
            "required": false,
            "description": "The key results' kind.",
            "schema": {
              "type": "string",
              "enum": [
                "committed",
                "aspirational",
                "kpi"
              ]
            }
          },
          {
            "name": "sort",
            "in": "query",
            "required": false,
            "description": "severity (most severe, then lowest P(success); the default), p (lowest P(success) first), age (oldest first).",
            "schema": {
              "type": "string",
              "enum": [
                "severity",
                "p",
                "age"
              ]
            }
          },
          {
            "name": "limit",
            "in": "query",
            "required": false,
            "description": "Alerts per page, 1 to 200 (default 50).",
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 200
            }
          },
          {
            "name": "after",
            "in": "query",
            "required": false,
            "description": "The `next` of the previous page.",
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/AlertPage"
                }
              }
            }
          },
          "400": {
            "description": "What went wrong, in words",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "What went wrong, in words",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "What went wrong, in words",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/alerts/{id}": {
      "get": {
        "operationId": "getAlert",
        "summary": "One alert",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "description": "The alert's number.",
            "schema": {
              "type": "integer"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Alert"
                }
              }
            }
          },
          "401": {
            "description": "What went wrong, in words",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "What went wrong, in words",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/alerts/{id}/ack": {
      "post": {
        "operationId": "acknowledgeAlert",
        "summary": "Acknowledge an alert with a note (a bearer token's account must act on it)",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "description": "The alert's number.",
            "schema": {
              "type": "integer"
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "required": [
                  "note"
                ],
                "properties": {
                  "note": {
                    "type": "string",
                    "maxLength": 2000
                  }
                }
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Alert"
                }
              }
            }
          },
          "400": {
            "description": "What went wrong, in words",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "What went wrong, in words",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "What went wrong, in words",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "What went wrong, in words",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "What went wrong, in words",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/alerts/{id}/snooze": {
      "post": {
        "operationId": "snoozeAlert",
        "summary": "Put an alert out of the inbox until a day (at most 92 days on)",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "description": "The alert's number.",
            "schema": {
              "type": "integer"
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "required": [
                  "until"
                ],
                "properties": {
                  "until": {
                    "type": "string",
                    "format": "date"
                  },
                  "note": {
                    "type": "string",
                    "maxLength": 2000
                  }
                }
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Alert"
                }
              }
            }
          },
          "400": {
            "description": "What went wrong, in words",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "What went wrong, in words",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "What went wrong, in words",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "What went wrong, in words",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "What went wrong, in words",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/key-results": {
      "get": {
        "operationId": "listKeyResults",
        "summary": "The key results whose details the caller may see",
        "parameters": [
          {
            "name": "unit",
            "in": "query",
            "required": false,
            "description": "A unit's id: its key results and those of the units below.",
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "key_results"
                  ],
                  "properties": {
                    "key_results": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/KeyResult"
                      }
                    }
                  }
                }
              }
            }
          },
          "401": {
            "description": "What went wrong, in words",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "What went wrong, in words",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/key-results/{id}": {
      "get": {
        "operationId": "getKeyResult",
        "summary": "A key result with its check-ins, forecasts at each run and alerts",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "description": "The key result's id (percent-encoded).",
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/KeyResultDetail"
                }
              }
            }
          },
          "401": {
            "description": "What went wrong, in words",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "What went wrong, in words",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/units": {
      "get": {
        "operationId": "listUnits",
        "summary": "Every unit with its mode at the latest run",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "units"
                  ],
                  "properties": {
                    "units": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/Unit"
                      }
                    }
                  }
                }
              }
            }
          },
          "401": {
            "description": "What went wrong, in words",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/units/{id}": {
      "get": {
        "operationId": "getUnit",
        "summary": "A unit, its children, and the key results the caller may see",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "description": "The unit's id (percent-encoded).",
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/UnitDetail"
                }
              }
            }
          },
          "401": {
            "description": "What went wrong, in words",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "What went wrong, in words",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/decisions": {
      "get": {
        "operationId": "listDecisions",
        "summary": "The latest run's decision for every unit (of a subtree)",
        "parameters": [
          {
            "name": "unit",
            "in": "query",
            "required": false,
            "description": "A unit's id: its decision and those of the units below.",
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/DecisionList"
                }
              }
            }
          },
          "401": {
            "description": "What went wrong, in words",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "What went wrong, in words",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/runs": {
      "get": {
        "operationId": "listRuns",
        "summary": "Every weekly run, newest first, with its counts",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "runs"
                  ],
                  "properties": {
                    "runs": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/Run"
                      }
                    }
                  }
                }
              }
            }
          },
          "401": {
            "description": "What went wrong, in words",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/checkins": {
      "post": {
        "operationId": "postCheckIns",
        "summary": "Record check-ins: CSV `kr_id,date,value[,confidence]`, checked as the CLI checks a file, all or nothing",
        "requestBody": {
          "required": true,
          "content": {
            "text/csv": {
              "schema": {
                "type": "string"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/CheckInImport"
                }
              }
            }
          },
          "403": {
            "description": "What went wrong, in words",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "description": "What went wrong, in words",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "422": {
            "description": "What went wrong, in words",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "What went wrong, in words",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/whatif": {
      "post": {
        "operationId": "runWhatIf",
        "summary": "Run a scenario file (YAML) against the latest run (strategy, HR, admins)",
        "requestBody": {
          "required": true,
          "content": {
            "application/yaml": {
              "schema": {
                "type": "string"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "description": "The report `tandem whatif --format json` writes."
                }
              }
            }
          },
          "413": {
            "description": "What went wrong, in words",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "422": {
            "description": "What went wrong, in words",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "What went wrong, in words",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "What went wrong, in words",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/openapi.json": {
      "get": {
        "operationId": "openAPI",
        "summary": "This document",
        "security": [],
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object"
                }
              }
            }
          }
        }
      }
    }
  },
  "components": {
    "securitySchemes": {
      "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "A token from `tandem tokens create`."
      }
    },
    "schemas": {
      "Error": {
        "type": "object",
        "required": [
          "error",
          "status"
        ],
        "properties": {
          "error": {
            "type": "string"
          },
          "status": {
            "type": "integer"
          },
          "details": {
            "type": "array",
            "items": {
              "type": "string"
            },
            "description": "Located problems of a file, one each: file:line:column: what was expected."
          }
        }
      },
      "Alert": {
        "type": "object",
        "required": [
          "id",
          "kr_id",
          "unit_id",
          "title",
          "severity",
          "status",
          "rules",
          "reasons",
          "p_success",
          "opened",
          "updated",
          "may_act"
        ],
        "properties": {
          "id": {
            "type": "integer"
          },
          "kr_id": {
            "type": "string"
          },
          "unit_id": {
            "type": "string"
          },
          "owner": {
            "type": "string"
          },
          "title": {
            "type": "string"
          },
          "severity": {
            "type": "string",
            "enum": [
              "info",
              "warning",
              "critical"
            ]
          },
          "status": {
            "type": "string",
            "enum": [
              "open",
              "acked",
              "resolved"
            ]
          },
          "rules": {
            "type": "string"
          },
          "reasons": {
            "type": "string"
          },
          "p_success": {
            "type": "number"
          },
          "opened": {
            "type": "string",
            "format": "date"
          },
          "updated": {
            "type": "string",
            "format": "date"
          },
          "resolved": {
            "type": "string",
            "format": "date"
          },
          "ack_note": {
            "type": "string"
          },
          "snoozed_until": {
            "type": "string",
            "format": "date"
          },
          "may_act": {
            "type": "boolean",
            "description": "Whether the caller may acknowledge or snooze it."
          }
        },
        "additionalProperties": false
      },
      "AlertPage": {
        "type": "object",
        "required": [
          "alerts",
          "next"
        ],
        "properties": {
          "alerts": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Alert"
            }
          },
          "next": {
            "type": [
              "string",
              "null"
            ],
            "description": "Pass as `after` for the next page; null on the last."
          }
        }
      },
      "KeyResult": {
        "type": "object",
        "required": [
          "id",
          "objective_id",
          "unit_id",
          "title",
          "kind",
          "start_value",
          "target_value",
          "cycle_start",
          "cycle_end",
          "confidential"
        ],
        "properties": {
          "id": {
            "type": "string"
          },
          "objective_id": {
            "type": "string"
          },
          "unit_id": {
            "type": "string"
          },
          "title": {
            "type": "string"
          },
          "kind": {
            "type": "string",
            "enum": [
              "committed",
              "aspirational",
              "kpi"
            ]
          },
          "owner": {
            "type": "string"
          },
          "start_value": {
            "type": "number"
          },
          "target_value": {
            "type": "number"
          },
          "cycle_start": {
            "type": "string",
            "format": "date"
          },
          "cycle_end": {
            "type": "string",
            "format": "date"
          },
          "final_value": {
            "type": "number"
          },
          "confidential": {
            "type": "boolean",
            "description": "A KPI, or a committed key result of a unit managed by KPI."
          }
        },
        "additionalProperties": false
      },
      "KeyResultDetail": {
        "type": "object",
        "required": [
          "key_result",
          "check_ins",
          "forecasts",
          "alerts"
        ],
        "properties": {
          "key_result": {
            "$ref": "#/components/schemas/KeyResult"
          },
          "check_ins": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "day",
                "value"
              ],
              "properties": {
                "day": {
                  "type": "string",
                  "format": "date"
                },
                "value": {
                  "type": "number"
                },
                "confidence": {
                  "type": "number"
                }
              },
              "additionalProperties": false
            }
          },
          "forecasts": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "day",
                "p_success",
                "progress"
              ],
              "properties": {
                "day": {
                  "type": "string",
                  "format": "date"
                },
                "p_success": {
                  "type": "number"
                },
                "progress": {
                  "type": "number"
                }
              },
              "additionalProperties": false
            }
          },
          "alerts": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Alert"
            }
          }
        }
      },
      "Unit": {
        "type": "object",
        "required": [
          "id",
          "name"
        ],
        "properties": {
          "id": {
            "type": "string"
          },
          "name": {
            "type": "string"
          },
          "parent_id": {
            "type": "string"
          },
          "mode": {
            "type": "string",
            "enum": [
              "kpi",
              "okr",
              "hybrid"
            ]
          }
        },
        "additionalProperties": false
      },
      "UnitDetail": {
        "type": "object",
        "required": [
          "unit",
          "children",
          "key_results"
        ],
        "properties": {
          "unit": {
            "$ref": "#/components/schemas/Unit"
          },
          "children": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "key_results": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/KeyResult"
            }
          },
          "confidential_not_shown": {
            "type": "integer",
            "description": "Confidential key results of the unit not shown, for roles that see them in aggregate."
          }
        }
      },
      "DecisionList": {
        "type": "object",
        "required": [
          "decisions"
        ],
        "properties": {
          "day": {
            "type": "string",
            "format": "date"
          },
          "decisions": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "unit_id",
                "name",
                "day"
              ],
              "properties": {
                "unit_id": {
                  "type": "string"
                },
                "name": {
                  "type": "string"
                },
                "day": {
                  "type": "string",
                  "format": "date"
                },
                "mode": {
                  "type": "string",
                  "enum": [
                    "kpi",
                    "okr",
                    "hybrid"
                  ]
                },
                "outcome": {
                  "type": "string",
                  "description": "The mode's parameters, for those who see the unit's whole decision (its page's rules)."
                },
                "lean": {
                  "type": "number"
                }
              },
              "additionalProperties": false
            }
          }
        }
      },
      "Run": {
        "type": "object",
        "required": [
          "day",
          "policy",
          "model",
          "open_key_results",
          "events",
          "undoable",
          "events_by_kind"
        ],
        "properties": {
          "day": {
            "type": "string",
            "format": "date"
          },
          "policy": {
            "type": "string"
          },
          "model": {
            "type": "string"
          },
          "open_key_results": {
            "type": "integer"
          },
          "events": {
            "type": "integer"
          },
          "undoable": {
            "type": "boolean"
          },
          "events_by_kind": {
            "type": "object",
            "additionalProperties": {
              "type": "integer"
            }
          }
        },
        "additionalProperties": false
      },
      "CheckInImport": {
        "type": "object",
        "required": [
          "check_ins_added",
          "check_ins_changed",
          "warnings"
        ],
        "properties": {
          "check_ins_added": {
            "type": "integer"
          },
          "check_ins_changed": {
            "type": "integer"
          },
          "warnings": {
            "type": "array",
            "items": {
              "type": "string"
            }
          }
        },
        "additionalProperties": false
      }
    }
  }
}
"""#
}
