using System.Text.Json.Nodes;
using OPSource.Web5.Credentials;
using OPSource.Web5.Dids;

namespace OPSource.Web5.Tests;

public class PresentationExchangeTests
{
    private static readonly DidResolver Resolver = new([new DidKeyMethod(), new DidJwkMethod()]);

    private static List<string> Strings(JsonNode? array) => [.. array!.AsArray().Select(x => x!.GetValue<string>())];

    [Fact]
    public void Validate_definition_vectors()
    {
        foreach (var (description, input, _, errors) in VectorFile.Load("presentation_exchange", "validate_definition.json"))
        {
            var problems = PresentationDefinition.Validate(input!["presentationDefinition"]!.AsObject());
            Assert.True(errors == problems.Count > 0, $"{description}: {string.Join("; ", problems)}");
        }
    }

    [Fact]
    public void Validate_submission_vectors()
    {
        foreach (var (description, input, _, errors) in VectorFile.Load("presentation_exchange", "validate_submission.json"))
        {
            var problems = PresentationExchange.ValidateSubmission(input!["presentationSubmission"]!.AsObject());
            Assert.True(errors == problems.Count > 0, $"{description}: {string.Join("; ", problems)}");
        }
    }

    [Fact]
    public void Select_credentials_vectors()
    {
        foreach (var (description, input, output, _) in VectorFile.Load("presentation_exchange", "select_credentials.json"))
        {
            var definition = PresentationDefinition.Parse(input!["presentationDefinition"]!.AsObject());
            var selected = PresentationExchange.SelectCredentials(definition, Strings(input["credentialJwts"]));
            Assert.True(Strings(output!["selectedCredentials"]).SequenceEqual(selected), description);
        }
    }

    [Fact]
    public void Create_presentation_from_credentials_vectors()
    {
        foreach (var (description, input, output, _) in VectorFile.Load("presentation_exchange", "create_presentation_from_credentials.json"))
        {
            var definition = PresentationDefinition.Parse(input!["presentationDefinition"]!.AsObject());
            var result = PresentationExchange.CreatePresentationFromCredentials(definition, Strings(input["credentialJwts"]));
            var expected = output!["presentationSubmission"]!;
            Assert.Equal(expected["definition_id"]!.GetValue<string>(), result.Submission["definition_id"]!.GetValue<string>());
            VectorFile.Equal(expected["descriptor_map"], result.Submission["descriptor_map"], description);
            Assert.Empty(PresentationExchange.ValidateSubmission(result.Submission));
        }
    }

    [Fact]
    public void Evaluate_presentation_vectors()
    {
        foreach (var (description, input, _, errors) in VectorFile.Load("presentation_exchange", "evaluate_presentation.json"))
        {
            var definition = PresentationDefinition.Parse(input!["presentationDefinition"]!.AsObject());
            var evaluation = PresentationExchange.EvaluatePresentation(definition, input["presentation"]!.AsObject());
            Assert.True(errors != evaluation.Satisfied, $"{description}: {string.Join("; ", evaluation.Problems)}");
            Assert.Equal([0], evaluation.Matches["employmentVerification"]);
            Assert.Equal([1], evaluation.Matches["dobVerification"]);

            // Pointing a descriptor at the wrong credential is refused.
            var tampered = input["presentation"]!.DeepClone().AsObject();
            tampered["presentation_submission"]!["descriptor_map"]![0]!["path"] = "$.verifiableCredential[1]";
            var refused = PresentationExchange.EvaluatePresentation(definition, tampered);
            Assert.False(refused.Satisfied);
            Assert.Contains(refused.Problems, p => p.Message.Contains("employmentVerification", StringComparison.Ordinal));
        }
    }

    private static JsonObject Definition(string json) => JsonNode.Parse(json)!.AsObject();

    [Fact]
    public async Task Presentation_round_trip_with_submission_requirements()
    {
        var ct = TestContext.Current.CancellationToken;
        using var issuer = DidFactory.CreateKey("Ed25519");
        using var holder = DidFactory.CreateJwk("secp256k1");
        string Issue(string type, JsonObject data) => VerifiableCredential.Create(issuer.Uri, holder.Uri, data, [type]).Sign(issuer);
        var member = Issue("DaoMembership", new JsonObject { ["role"] = "treasurer", ["since"] = "2021-03-04" });
        var kyc = Issue("KycCredential", new JsonObject { ["level"] = 3, ["country"] = "CH" });
        var other = Issue("Other", new JsonObject { ["x"] = true });

        var definition = PresentationDefinition.Parse(Definition("""
            {"id":"dao-vote","purpose":"prove membership and one identity proof",
             "submission_requirements":[{"rule":"all","from":"A"},{"rule":"pick","count":1,"from":"B"}],
             "input_descriptors":[
               {"id":"member","group":["A"],"constraints":{"fields":[
                  {"path":["$.vc.type"],"filter":{"type":"array","contains":{"const":"DaoMembership"}}},
                  {"id":"role","path":["$.credentialSubject.role"],"filter":{"enum":["treasurer","chair"]}},
                  {"path":["$.credentialSubject.since"],"filter":{"type":"string","format":"date","formatMaximum":"2024-01-01"}}],
                  "is_holder":[{"field_id":["role"],"directive":"required"}]}},
               {"id":"kyc","group":["B"],"constraints":{"fields":[{"path":["$.vc.credentialSubject.level"],"filter":{"type":"integer","minimum":2}}]}},
               {"id":"passport","group":["B"],"constraints":{"fields":[{"path":["$.vc.type[?@ == 'Passport']"]}]}}
             ]}
            """));

        var all = new[] { other, kyc, member };
        Assert.Equal([member, kyc], PresentationExchange.SelectCredentials(definition, all));
        Assert.Empty(PresentationExchange.SelectCredentials(definition, [other, member]));

        var model = VerifiablePresentation.CreateForDefinition(holder.Uri, definition, all);
        var vpJwt = VerifiablePresentation.Sign(model, holder);
        var verified = await VerifiablePresentation.VerifyAsync(vpJwt, Resolver, definition, cancellationToken: ct);
        Assert.Equal(holder.Uri, verified.Holder);
        Assert.Equal(3, verified.Credentials.Count);
        Assert.Equal([2], verified.Evaluation!.Matches["member"]);

        // Signed by someone else as holder: is_holder fails (and the holder member disagrees with iss).
        using var stranger = DidFactory.CreateKey("Ed25519");
        var foreign = VerifiablePresentation.CreateForDefinition(stranger.Uri, definition, all);
        var foreignJwt = VerifiablePresentation.Sign(foreign, stranger);
        var e = await Assert.ThrowsAsync<PresentationExchangeException>(() => VerifiablePresentation.VerifyAsync(foreignJwt, Resolver, definition, cancellationToken: ct));
        Assert.Contains(e.Problems, p => p.Message.Contains("is_holder", StringComparison.Ordinal));

        // A tampered VP-JWT signature is refused.
        var parts = vpJwt.Split('.');
        var flipped = parts[2][..^2] + (parts[2][^2] == 'A' ? "B" : "A") + parts[2][^1];
        await Assert.ThrowsAsync<CredentialException>(() => VerifiablePresentation.VerifyAsync($"{parts[0]}.{parts[1]}.{flipped}", Resolver, cancellationToken: ct));

        // Submitting two identity proofs breaks "pick count 1".
        var submission = (JsonObject)model["presentation_submission"]!.DeepClone();
        ((JsonArray)submission["descriptor_map"]!).Add((JsonNode)new JsonObject { ["id"] = "kyc", ["format"] = "jwt_vc", ["path"] = "$.verifiableCredential[1]" });
        var passportVc = Issue("Passport", new JsonObject { ["n"] = "X1" });
        var twice = VerifiablePresentation.Create(holder.Uri, [other, kyc, member, passportVc], null, new JsonObject { ["presentation_submission"] = submission });
        ((JsonArray)twice["presentation_submission"]!["descriptor_map"]!).Add((JsonNode)new JsonObject { ["id"] = "passport", ["format"] = "jwt_vc", ["path"] = "$.verifiableCredential[3]" });
        var pick = PresentationExchange.EvaluatePresentation(definition, twice);
        Assert.Contains(pick.Problems, p => p.Message.Contains("count 1", StringComparison.Ordinal));
    }

    [Fact]
    public void Definition_problems_name_the_member()
    {
        var problems = PresentationDefinition.Validate(Definition("""
            {"id":"x","format":{"jwt_vc":{"alg":["XS999"]}},"submission_requirements":[{"rule":"pick","from":"nope","min":3,"max":1}],
             "input_descriptors":[{"id":"a","constraints":{"fields":[{"path":["$.a"],"filter":{"type":"strin"}},{"path":["$.b"],"predicate":"required"}]}}]}
            """));
        var text = string.Join("\n", problems);
        Assert.Contains("$.format.jwt_vc.alg: unknown JWT algorithm 'XS999'", text, StringComparison.Ordinal);
        Assert.Contains("$.input_descriptors[0].constraints.fields[0].filter.type", text, StringComparison.Ordinal);
        Assert.Contains("$.input_descriptors[0].constraints.fields[1].filter: a field with a predicate needs a filter", text, StringComparison.Ordinal);
        Assert.Contains("no input descriptor is in group 'nope'", text, StringComparison.Ordinal);
        Assert.Contains("min must not exceed max", text, StringComparison.Ordinal);
        var e = Assert.Throws<PresentationExchangeException>(() => PresentationDefinition.Parse("{\"id\":\"\"}"));
        Assert.Equal(PexErrorKind.InvalidDefinition, e.Kind);
    }

    [Fact]
    public void Malformed_credentials_are_named()
    {
        var definition = PresentationDefinition.Parse(Definition("""{"id":"x","input_descriptors":[{"id":"a","constraints":{}}]}"""));
        var e = Assert.Throws<PresentationExchangeException>(() => PresentationExchange.SelectCredentials(definition, ["not.a.jwt", "eyJhbGciOiJub25lIn0.e30."]));
        Assert.Equal(PexErrorKind.InvalidCredential, e.Kind);
        Assert.Equal(["$[0]", "$[1]"], e.Problems.Select(p => p.Path));
    }

    // RFC 9535 section 1.5 and 2.x examples over the bookstore document.
    private const string Store = """
        { "store": {
            "book": [
              { "category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95 },
              { "category": "fiction", "author": "Evelyn Waugh", "title": "Sword of Honour", "price": 12.99 },
              { "category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99 },
              { "category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord of the Rings", "isbn": "0-395-19395-8", "price": 22.99 }
            ],
            "bicycle": { "color": "red", "price": 399 } } }
        """;

    [Theory]
    [InlineData("$.store.book[*].author", 4)]
    [InlineData("$..author", 4)]
    [InlineData("$.store.*", 2)]
    [InlineData("$.store..price", 5)]
    [InlineData("$..book[2]", 1)]
    [InlineData("$..book[-1]", 1)]
    [InlineData("$..book[0,1]", 2)]
    [InlineData("$..book[:2]", 2)]
    [InlineData("$..book[::-1]", 4)]
    [InlineData("$..book[?@.isbn]", 2)]
    [InlineData("$..book[?(@.price<10)]", 2)]
    [InlineData("$..book[?@.price < 10 && @.category == 'fiction']", 1)]
    [InlineData("$..book[?!@.isbn]", 2)]
    [InlineData("$..book[?match(@.author, '.*Rees')]", 1)]
    [InlineData("$..book[?search(@.title, 'Lord')]", 1)]
    [InlineData("$..book[?length(@.title) > 15]", 2)]
    [InlineData("$..book[?@.price == $.store.bicycle.price]", 0)]
    [InlineData("$..*", 27)]
    [InlineData("$[\"store\"]['bicycle'].color", 1)]
    public void Json_path_rfc9535_examples(string query, int count)
    {
        var document = JsonNode.Parse(Store);
        Assert.Equal(count, JsonPath.Parse(query).Select(document).Count);
    }

    [Fact]
    public void Json_path_normalized_paths_and_invalid_queries()
    {
        var nodes = JsonPath.Parse("$..book[?@.price > 20].title").Select(JsonNode.Parse(Store));
        Assert.Equal("$['store']['book'][3]['title']", Assert.Single(nodes).Path);
        Assert.Equal("red", JsonPath.Parse("$.store.bicycle.color").Select(JsonNode.Parse(Store))[0].Value!.GetValue<string>());
        Assert.Single(JsonPath.Parse("$.@context").Select(JsonNode.Parse("""{"@context":[1]}""")));
        foreach (var bad in (string[])["", "store", "$.", "$[", "$.store.book[(@.price == 10]", "$[01]", "$..", "$[?@.a == @..b]", "$['a'", "$.a b", "$[?foo(@)]"])
        {
            Assert.False(JsonPath.TryParse(bad, out _, out var error), bad);
            Assert.StartsWith("jsonpath:", error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("""{"type":"string","minLength":2,"maxLength":3}""", "\"ab\"", true)]
    [InlineData("""{"type":"string","minLength":3}""", "\"ab\"", false)]
    [InlineData("""{"type":"integer"}""", "3.0", true)]
    [InlineData("""{"type":"integer"}""", "3.5", false)]
    [InlineData("""{"type":["string","null"]}""", "null", true)]
    [InlineData("""{"exclusiveMinimum":18}""", "18", false)]
    [InlineData("""{"multipleOf":0.01}""", "19.99", true)]
    [InlineData("""{"format":"date-time"}""", "\"2024-02-29T18:42:16Z\"", true)]
    [InlineData("""{"format":"date-time"}""", "\"2024-02-30T18:42:16Z\"", false)]
    [InlineData("""{"format":"date-time"}""", "\"2024-02-29T18:42:16\"", false)]
    [InlineData("""{"format":"email"}""", "\"a@b.example\"", true)]
    [InlineData("""{"format":"date","formatMinimum":"2000-01-01"}""", "\"1999-12-31\"", false)]
    [InlineData("""{"not":{"const":"x"}}""", "\"y\"", true)]
    [InlineData("""{"oneOf":[{"type":"number"},{"minimum":0}]}""", "5", false)]
    [InlineData("""{"type":"object","required":["a"],"properties":{"a":{"const":1}},"additionalProperties":false}""", """{"a":1}""", true)]
    [InlineData("""{"type":"object","required":["a"],"additionalProperties":false}""", """{"a":1,"b":2}""", false)]
    [InlineData("""{"items":{"type":"string"},"uniqueItems":true}""", """["a","a"]""", false)]
    [InlineData("""{"pattern":"^did:key:"}""", "\"did:jwk:x\"", false)]
    public void Json_schema_filters(string schema, string value, bool expected)
    {
        Assert.True(JsonSchemaFilter.TryValidateSchema(JsonNode.Parse(schema), out var error), error);
        Assert.Equal(expected, JsonSchemaFilter.Matches(JsonNode.Parse(schema), JsonNode.Parse(value)));
    }
}
