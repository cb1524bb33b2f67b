using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
using OPSource.Server.Endpoints;

namespace OPSource.Server;

/// <summary>
/// Source-generated JSON metadata for the API's request and response types (Native AOT: no
/// reflection). Keys are snake_case (the house convention); module adapters declare their own context
/// with the same options and add it in their Map...Endpoints (see docs/api.md).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(InfoResponse))]
[JsonSerializable(typeof(TokenRequest))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(WhoAmIResponse))]
[JsonSerializable(typeof(ApiKeyResponse))]
[JsonSerializable(typeof(ApiKeyResponse[]))]
[JsonSerializable(typeof(CreateApiKeyRequest))]
[JsonSerializable(typeof(CreatedApiKeyResponse))]
[JsonSerializable(typeof(ProblemDetails))]
// Route and query parameter types: the OpenAPI document describes each parameter through this chain, and Native AOT
// has no reflection fallback (JsonMetadataCoverageTests fails when an endpoint binds a type missing here).
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(bool?))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(int?))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(long?))]
[JsonSerializable(typeof(uint))]
[JsonSerializable(typeof(uint?))]
internal sealed partial class ServerJsonContext : JsonSerializerContext;
