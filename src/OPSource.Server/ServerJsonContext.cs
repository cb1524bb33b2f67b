using System.Text.Json;
using System.Text.Json.Serialization;
using OPSource.Server.Endpoints;

namespace OPSource.Server;

/// <summary>Source-generated JSON metadata for the API's response types (Native AOT: no reflection).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(InfoResponse))]
internal sealed partial class ServerJsonContext : JsonSerializerContext;
