using System.CommandLine;
using System.Text.Json.Nodes;
using OPSource.Platform.Security;
using OPSource.Web5.Auth;
using Spectre.Console;

namespace OPSource.Cli.Commands;

/// <summary>
/// <c>opsource did role list|bind|unbind</c>: the DID-to-role bindings that DID login (<c>POST /api/v1/auth/did/verify</c>)
/// takes a token's role from; the same store as <c>GET/PUT/DELETE /api/v1/web5/did-roles</c>. Unbinding ends the DID's
/// tokens: at once on a server that unbinds through its API, within the credential-status cache's lifetime otherwise.
/// </summary>
internal static class DidRoleCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("role", "Bind DIDs to API roles for DID login (list, bind, unbind)");
        command.Add(CreateList(globals, output, error));
        command.Add(CreateBind(globals, output, error));
        command.Add(CreateUnbind(globals, output, error));
        return command;
    }

    private static Command CreateList(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("list", "List the DIDs bound to a role")
            .WithExamples("opsource did role list", "opsource did role list --json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            await using var services = await CliServices.OpenAsync(ctx, token).ConfigureAwait(false);
            var bindings = await services.Get<DidLoginService>().ListBindingsAsync(token).ConfigureAwait(false);
            var json = new JsonArray([.. bindings.Select(b => (JsonNode)ToJson(b.Did, b.Role, b.CreatedAt))]);
            ctx.WriteResult(json, w =>
            {
                if (bindings.Count == 0)
                {
                    w.WriteLine("no DID is bound to a role (bind one: opsource did role bind DID --role viewer)");
                    return;
                }

                var table = new Table().AddColumns("DID", "Role", "Bound");
                foreach (var b in bindings)
                {
                    table.AddRow(Markup.Escape(b.Did), b.Role.ToName(), ApiKeyFormatting.Rfc3339(b.CreatedAt));
                }

                ConfigCommand.CreateConsole(w).Write(table);
            });
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreateBind(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var did = new Argument<string>("did") { Description = "The DID (no path, query or fragment)" };
        var role = new Option<string>("--role", "-r") { Description = "admin, operator or viewer", Required = true };
        var command = new Command("bind", "Bind a DID to a role (replaces its current role)") { did, role }
            .WithExamples("opsource did role bind did:key:z6Mk... --role viewer");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            var parsedRole = ApiKeyCommand.ParseRole(parse.GetValue(role));
            var subject = parse.GetValue(did)!;
            await using var services = await CliServices.OpenAsync(ctx, token).ConfigureAwait(false);
            await services.Get<DidLoginService>().BindAsync(subject, parsedRole, token).ConfigureAwait(false);
            ctx.WriteResult(new JsonObject { ["did"] = subject, ["role"] = parsedRole.ToName() }, w => w.WriteLine($"{subject} bound to {parsedRole.ToName()}"));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static Command CreateUnbind(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var did = new Argument<string>("did") { Description = "The DID to unbind" };
        var command = new Command("unbind", "Remove a DID's role binding; its DID-login tokens stop working") { did }
            .WithExamples("opsource did role unbind did:key:z6Mk...");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), async (ctx, token) =>
        {
            var subject = parse.GetValue(did)!;
            await using var services = await CliServices.OpenAsync(ctx, token).ConfigureAwait(false);
            if (!await services.Get<DidLoginService>().UnbindAsync(subject, token).ConfigureAwait(false))
            {
                throw new CliUserException($"no role is bound to {subject}");
            }

            ctx.WriteResult(new JsonObject { ["did"] = subject, ["unbound"] = true }, w => w.WriteLine($"{subject} unbound"));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    private static JsonObject ToJson(string did, ApiRole role, DateTimeOffset createdAt) => new()
    {
        ["did"] = did,
        ["role"] = role.ToName(),
        ["created_at"] = ApiKeyFormatting.Rfc3339(createdAt),
    };
}
