using System.CommandLine;
using System.Text.Json.Nodes;
using OPSource.Platform.Security;
using Spectre.Console;

namespace OPSource.Cli.Commands;

/// <summary>
/// <c>opsource apikey create|list|revoke|token</c>: API keys for the REST/WebSocket API. A key is shown
/// once, at creation; only its SHA-256 is stored. Clients exchange it for a short-lived access token
/// (<c>POST /api/v1/auth/token</c>, or <c>opsource apikey token</c>).
/// </summary>
internal static class ApiKeyCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("apikey", "Create, list and revoke API keys");
        command.Add(CreateCreate(globals, output, error));
        command.Add(CreateList(globals, output, error));
        command.Add(CreateRevoke(globals, output, error));
        command.Add(CreateToken(globals, output, error));
        return command;
    }

    private static Command CreateCreate(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var role = new Option<string>("--role", "-r") { Description = "admin, operator or viewer", Required = true };
        var scope = new Option<string[]>("--scope", "-s")
        {
            Description = "Restrict the key to a resource: wallet:NAME, dao:ID, dlc:ID (repeatable; none = all resources)",
            AllowMultipleArgumentsPerToken = false,
        };
        var name = new Option<string?>("--name") { Description = "Label shown by list (default key-ID)" };
        var command = new Command("create", "Create an API key (printed once; store it now)") { role, scope, name }
            .WithExamples("opsource apikey create --role operator --name ci", "opsource apikey create --role viewer --scope wallet:main --json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            await using var services = await CliServices.OpenAsync(ctx, token).ConfigureAwait(false);
            var keys = services.Get<ApiKeyStore>();
            var scopes = keys.ParseScopes(parse.GetValue(scope) ?? []);
            var apiRole = ParseRole(parse.GetValue(role));
            var created = await keys.CreateAsync(parse.GetValue(name), apiRole, scopes, token).ConfigureAwait(false);
            var json = ToJson(created.Info);
            json["key"] = created.Key;
            ctx.WriteResult(json, w =>
            {
                w.WriteLine(created.Key);
                ctx.Error.WriteLine($"api key {created.Info.Id} ({created.Info.Role.ToName()}{ScopeText(created.Info.Scopes)}) created; it is shown only now: store it in a secret manager");
            });
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreateList(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var all = new Option<bool>("--all", "-a") { Description = "Include revoked keys" };
        var command = new Command("list", "List API keys (never their secrets)") { all }
            .WithExamples("opsource apikey list", "opsource apikey list --json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            await using var services = await CliServices.OpenAsync(ctx, token).ConfigureAwait(false);
            var keys = await services.Get<ApiKeyStore>().ListAsync(parse.GetValue(all), token).ConfigureAwait(false);
            var json = new JsonArray([.. keys.Select(k => (JsonNode)ToJson(k))]);
            ctx.WriteResult(json, w =>
            {
                if (keys.Count == 0)
                {
                    w.WriteLine("no api keys (create one: opsource apikey create --role viewer)");
                    return;
                }

                var table = new Table().AddColumns("Id", "Name", "Role", "Scopes", "Created", "Last used", "Status");
                foreach (var k in keys)
                {
                    table.AddRow(
                        Markup.Escape(k.Id),
                        Markup.Escape(k.Name),
                        k.Role.ToName(),
                        Markup.Escape(k.Scopes.IsUnrestricted ? "(all)" : k.Scopes.ToString()),
                        ApiKeyFormatting.Rfc3339(k.CreatedAt),
                        k.LastUsedAt is { } used ? ApiKeyFormatting.Rfc3339(used) : "-",
                        k.Active ? "active" : "revoked " + ApiKeyFormatting.Rfc3339(k.RevokedAt!.Value));
                }

                ConfigCommand.CreateConsole(w).Write(table);
            });
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreateRevoke(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var id = new Argument<string>("id") { Description = "Key id (the 12 hex digits after opsk_)" };
        var command = new Command("revoke", "Revoke an API key; its access tokens stop working within seconds") { id }
            .WithExamples("opsource apikey revoke KEY-ID");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            await using var services = await CliServices.OpenAsync(ctx, token).ConfigureAwait(false);
            var revoked = await services.Get<ApiKeyStore>().RevokeAsync(parse.GetValue(id)!, token).ConfigureAwait(false);
            ctx.WriteResult(ToJson(revoked), w => w.WriteLine($"api key {revoked.Id} revoked at {ApiKeyFormatting.Rfc3339(revoked.RevokedAt!.Value)}"));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreateToken(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var key = new Argument<string>("key") { Description = "The API key, '-' to read it from standard input, or @FILE" };
        var command = new Command("token", "Exchange an API key for an access token (as POST /api/v1/auth/token does)") { key }
            .WithExamples("opsource apikey token @key.txt", "opsource apikey token - --json < key.txt");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            var presented = ReadArgument(parse.GetValue(key)!, ctx.In);
            await using var services = await CliServices.OpenAsync(ctx, token).ConfigureAwait(false);
            var issued = await services.Get<ApiKeyTokenExchange>().ExchangeAsync(presented, token).ConfigureAwait(false);
            var json = new JsonObject
            {
                ["access_token"] = issued.Token,
                ["token_type"] = "Bearer",
                ["expires_at"] = ApiKeyFormatting.Rfc3339(issued.ExpiresAt),
                ["role"] = issued.Grant.Role.ToName(),
                ["scopes"] = new JsonArray([.. issued.Grant.Scopes.Items.Select(s => (JsonNode)s.ToString())]),
            };
            ctx.WriteResult(json, w => w.WriteLine(issued.Token));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    /// <summary>The <c>--role</c> option's value; a user error naming the roles otherwise.</summary>
    internal static ApiRole ParseRole(string? text) => ApiRoles.TryParse(text, out var role)
        ? role.Value
        : throw new CliUserException($"--role: '{CliOptions.Shorten(text ?? string.Empty)}' is not one of admin, operator, viewer") { Code = "invalid_role" };

    /// <summary>An argument given inline, as <c>-</c> (standard input, first line) or as <c>@FILE</c>.</summary>
    internal static string ReadArgument(string value, TextReader input)
    {
        if (value == "-")
        {
            return (input.ReadLine() ?? "").Trim();
        }

        if (value.StartsWith('@'))
        {
            var path = value[1..];
            try
            {
                return File.ReadAllText(path).Trim();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new CliUserException($"cannot read '{path}': {ex.Message}", ex);
            }
        }

        return value.Trim();
    }

    private static JsonObject ToJson(ApiKeyInfo k) => new()
    {
        ["id"] = k.Id,
        ["name"] = k.Name,
        ["role"] = k.Role.ToName(),
        ["scopes"] = new JsonArray([.. k.Scopes.Items.Select(s => (JsonNode)s.ToString())]),
        ["active"] = k.Active,
        ["created_at"] = ApiKeyFormatting.Rfc3339(k.CreatedAt),
        ["revoked_at"] = k.RevokedAt is { } r ? ApiKeyFormatting.Rfc3339(r) : null,
        ["last_used_at"] = k.LastUsedAt is { } u ? ApiKeyFormatting.Rfc3339(u) : null,
    };

    private static string ScopeText(ScopeSet scopes) => scopes.IsUnrestricted ? ", all resources" : ", " + scopes;
}
