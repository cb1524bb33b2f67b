using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using static OPSource.Cli.Tests.CliRun;

namespace OPSource.Cli.Tests;

public sealed class ApiKeyCommandTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("opsource-cli-apikey-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }

    [Fact]
    public async Task Create_list_token_and_revoke()
    {
        var (code, output, error) = await Run("apikey", "create", "--role", "operator", "--scope", "wallet:treasury", "--name", "ci", "--data-dir", _dataDir, "--network", "regtest");
        Assert.Equal(0, code);
        var key = output.Trim();
        Assert.Matches("^opsk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$", key);
        Assert.Contains("shown only now", error, StringComparison.Ordinal);
        var id = key[5..17];

        var list = await Run("apikey", "list", "--json", "--data-dir", _dataDir);
        Assert.Equal(0, list.Code);
        var keys = JsonNode.Parse(list.Out)!.AsArray();
        var entry = Assert.Single(keys)!;
        Assert.Equal((id, "ci", "operator", true), ((string)entry["id"]!, (string)entry["name"]!, (string)entry["role"]!, (bool)entry["active"]!));
        Assert.Equal(["wallet:treasury"], entry["scopes"]!.AsArray().Select(s => (string)s!));
        Assert.DoesNotContain(key[18..], list.Out, StringComparison.Ordinal);

        var table = await Run("apikey", "list", "--data-dir", _dataDir);
        Assert.Contains(id, table.Out, StringComparison.Ordinal);
        Assert.Contains("wallet:treasury", table.Out, StringComparison.Ordinal);

        var token = await RunWithInput(key + "\n", "apikey", "token", "-", "--json", "--data-dir", _dataDir);
        Assert.Equal(0, token.Code);
        var t = JsonNode.Parse(token.Out)!;
        Assert.Equal(3, ((string)t["access_token"]!).Split('.').Length);
        Assert.Equal("operator", (string?)t["role"]);

        var revoke = await Run("apikey", "revoke", id, "--data-dir", _dataDir);
        Assert.Equal(0, revoke.Code);
        Assert.Contains("revoked", revoke.Out, StringComparison.Ordinal);
        AssertOneLineError(await RunWithInput(key, "apikey", "token", "-", "--data-dir", _dataDir), "the api key is unknown, revoked or malformed");
        Assert.Empty(JsonNode.Parse((await Run("apikey", "list", "--json", "--data-dir", _dataDir)).Out)!.AsArray());
        Assert.Single(JsonNode.Parse((await Run("apikey", "list", "--all", "--json", "--data-dir", _dataDir)).Out)!.AsArray());
    }

    [Theory]
    [InlineData("--role", "root", "root")]
    [InlineData("--scope", "moon:1", "scope 'moon:1': unknown kind 'moon'")]
    [InlineData("--scope", "wallet", "scope 'wallet' is not KIND:ID")]
    [InlineData("--name", "a/b", "api key name 'a/b'")]
    public async Task Bad_input_is_a_one_line_user_error(string option, string value, string expected)
    {
        var args = new List<string> { "apikey", "create", "--data-dir", _dataDir };
        if (option != "--role")
        {
            args.AddRange(["--role", "viewer"]);
        }

        args.AddRange([option, value]);
        AssertOneLineError(await Run([.. args]), expected);
    }

    [Fact]
    public async Task Revoking_an_unknown_key_is_a_user_error() =>
        AssertOneLineError(await Run("apikey", "revoke", "ffffffffffff", "--data-dir", _dataDir), "no api key with id 'ffffffffffff'");
}
