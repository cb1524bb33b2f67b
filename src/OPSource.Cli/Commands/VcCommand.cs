using System.CommandLine;
using System.Text.Json.Nodes;
using OPSource.Web5;
using OPSource.Web5.Credentials;

namespace OPSource.Cli.Commands;

/// <summary><c>opsource vc issue|verify</c>: VC-JWTs signed by stored DIDs, verified through DID resolution.</summary>
internal static class VcCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("vc", "Verifiable credentials as VC-JWT: issue and verify");
        command.Add(CreateIssue(globals, output, error));
        command.Add(CreateVerify(globals, output, error));
        return command;
    }

    private static Command CreateIssue(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var issuer = new Option<string>("--issuer") { Description = "A stored DID that signs", Required = true };
        var subject = new Option<string>("--subject") { Description = "The subject's DID", Required = true };
        var type = new Option<string>("--type") { Description = "Credential type (after VerifiableCredential)", DefaultValueFactory = _ => "VerifiableCredential" };
        var data = new Option<string>("--data") { Description = "credentialSubject claims as a JSON object ('-' stdin, '@file')", DefaultValueFactory = _ => "{}" };
        var expires = new Option<string?>("--expires") { Description = "expirationDate, RFC 3339 UTC (2030-01-01T00:00:00Z)" };
        var command = new Command("issue", "Issue a VC-JWT signed by a stored DID") { issuer, subject, type, data, expires }.WithExamples(
            "opsource vc issue --issuer did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK --subject did:jwk:eyJrdHkiOiJPS1AiLCJjcnYiOiJFZDI1NTE5IiwieCI6IjNFQmEzRHJjT0RXUGFpSUVEY3VsVmNqY3BTX0dPTGRmQ0oxWVFsVUU3SWcifQ --type DaoMembership --data '{\"role\":\"treasurer\"}'",
            "opsource vc issue --issuer did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK --subject did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK --data @claims.json --expires 2030-01-01T00:00:00Z --json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), (ctx, ct2) => DidCommand.Web5Action(ctx, async web5 =>
        {
            var text = DidCommand.ReadArgument(ctx, parse.GetValue(data)!, "--data");
            JsonObject claims;
            try
            {
                claims = JsonNode.Parse(text) as JsonObject ?? throw new CliUserException("--data must be a JSON object");
            }
            catch (System.Text.Json.JsonException e)
            {
                throw new CliUserException("--data is not JSON: " + e.Message, e);
            }

            DateTimeOffset? expiration = null;
            if (parse.GetValue(expires) is { } exp)
            {
                expiration = VerifiableCredential.TryParseDate(exp, out var e) ? e : throw new CliUserException($"--expires '{exp}' is not an RFC 3339 time with a zone");
            }

            var jwt = await web5.IssueCredentialAsync(parse.GetValue(issuer)!, parse.GetValue(subject)!, parse.GetValue(type)!, claims, expiration, ct2).ConfigureAwait(false);
            ctx.WriteResult(new JsonObject { ["vc_jwt"] = jwt }, w => w.WriteLine(jwt));
            return CliApp.ExitOk;
        }, ct2), ct));
        return command;
    }

    private static Command CreateVerify(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var jwt = new Argument<string>("vc-jwt") { Description = "The VC-JWT ('-' stdin, '@file')" };
        var command = new Command("verify", "Verify a VC-JWT: signature (issuer DID resolved), dates and claims; exit 1 when invalid") { jwt }.WithExamples(
            "opsource vc verify @credential.jwt",
            "opsource vc issue --issuer did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK --subject did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK | opsource vc verify - --json");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), (ctx, ct2) => DidCommand.Web5Action(ctx, async web5 =>
        {
            var verified = await web5.VerifyCredentialAsync(DidCommand.ReadArgument(ctx, parse.GetValue(jwt)!, "vc-jwt"), ct2).ConfigureAwait(false);
            ctx.WriteResult(Web5Views.Verified(verified), w => w.WriteLine($"valid: {verified.Credential.Type} issued by {verified.Issuer}"));
            return CliApp.ExitOk;
        }, ct2), ct));
        return command;
    }
}
