using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using static OPSource.Cli.Tests.CliRun;

namespace OPSource.Cli.Tests;

public sealed class DidRoleCommandTests : IDisposable
{
    // did:key spec example (Ed25519); binding only checks DID syntax, DID login resolves it.
    private const string Did = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
    private readonly string _dataDir = Directory.CreateTempSubdirectory("opsource-cli-didrole-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }

    [Fact]
    public async Task Bind_list_rebind_and_unbind()
    {
        var empty = await Run("did", "role", "list", "--json", "--data-dir", _dataDir);
        Assert.True(empty.Code == 0, empty.Err);
        Assert.Empty(JsonNode.Parse(empty.Out)!.AsArray());

        var bound = await Run("did", "role", "bind", Did, "--role", "viewer", "--json", "--data-dir", _dataDir);
        Assert.True(bound.Code == 0, bound.Err);
        Assert.Equal("viewer", (string?)JsonNode.Parse(bound.Out)!["role"]);

        // Binding again replaces the role.
        Assert.Equal(0, (await Run("did", "role", "bind", Did, "--role", "operator", "--data-dir", _dataDir)).Code);
        var listed = JsonNode.Parse((await Run("did", "role", "list", "--json", "--data-dir", _dataDir)).Out)!.AsArray();
        var only = Assert.Single(listed);
        Assert.Equal(Did, (string?)only!["did"]);
        Assert.Equal("operator", (string?)only["role"]);
        Assert.False(string.IsNullOrEmpty((string?)only["created_at"]));

        var text = await Run("did", "role", "list", "--data-dir", _dataDir);
        Assert.Contains("operator", text.Out, StringComparison.Ordinal);

        var unbound = await Run("did", "role", "unbind", Did, "--data-dir", _dataDir);
        Assert.True(unbound.Code == 0, unbound.Err);
        Assert.Empty(JsonNode.Parse((await Run("did", "role", "list", "--json", "--data-dir", _dataDir)).Out)!.AsArray());
    }

    [Fact]
    public async Task Bad_input_is_a_one_line_user_error()
    {
        AssertOneLineError(await Run("did", "role", "bind", "not-a-did", "--role", "viewer", "--data-dir", _dataDir), "is not a DID");
        AssertOneLineError(await Run("did", "role", "bind", Did + "#key-1", "--role", "viewer", "--data-dir", _dataDir), "is not a DID");
        AssertOneLineError(await Run("did", "role", "bind", Did, "--role", "root", "--data-dir", _dataDir), "root");
        AssertOneLineError(await Run("did", "role", "unbind", Did, "--data-dir", _dataDir), "no role is bound to " + Did);
    }
}
