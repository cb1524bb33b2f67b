using System.Text.Json;
using OPSource.Server.Endpoints;

namespace OPSource.Server.Tests;

public sealed class JsonContractTests
{
    [Fact]
    public void Request_bodies_bind_snake_case_keys()
    {
        var request = JsonSerializer.Deserialize("{\"api_key\":\"opsk_x\"}", ServerJsonContext.Default.TokenRequest);
        Assert.Equal("opsk_x", request!.ApiKey);
        var create = JsonSerializer.Deserialize("{\"role\":\"viewer\",\"scopes\":[\"wallet:a\"]}", ServerJsonContext.Default.CreateApiKeyRequest);
        Assert.Equal(["wallet:a"], create!.Scopes!);
    }
}
