/**
 * PublishBatch as the intake reads it when the call is protobuf-encoded: the
 * same method (`/Aggregator/PublishBatch`, same response) whose request is
 * read by connect as `repeated bytes points = 1`. A repeated message field
 * and a repeated `bytes` field are the same bytes on the wire, so connect
 * still handles envelopes, compression, limits and status, and hands over
 * each entry's bytes (views of the request, not copies) for
 * batch_entry_reader.ts to read without a protobuf-es object per entry. The
 * descriptor is the aggregator's own and never published: proto/ keeps the
 * contract. JSON calls cannot use it (an entry is an object there, not
 * base64) and go to the service's own handler (route_table.ts).
 *
 * @module
 */
import { create, createFileRegistry, type DescMethod, type Message } from "@bufbuild/protobuf";
import type { GenMessage } from "@bufbuild/protobuf/codegenv2";
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
} from "@bufbuild/protobuf/wkt";
import { Aggregator, type PublishBatchResponseSchema } from "../../shared/gen/aggregator_pb.ts";

const TYPE_NAME = "mini_collector.aggregator.PublishBatchEntries";

/** A PublishBatchRequest with each entry (a TaggedPoint) left as its bytes. */
export type PublishBatchEntries = Message<typeof TYPE_NAME> & { points: Uint8Array[] };

const registry = createFileRegistry(
  create(FileDescriptorProtoSchema, {
    name: "mini_collector/aggregator/publish_batch_entries.proto",
    package: "mini_collector.aggregator",
    syntax: "proto3",
    messageType: [{
      name: "PublishBatchEntries",
      field: [{
        name: "points",
        jsonName: "points",
        number: 1,
        label: FieldDescriptorProto_Label.REPEATED,
        type: FieldDescriptorProto_Type.BYTES,
      }],
    }],
  }),
  () => undefined,
);
const entries = registry.getMessage(TYPE_NAME);
if (!entries) throw new Error(`${TYPE_NAME} is missing from its own registry`);
export const PublishBatchEntriesSchema = entries as GenMessage<PublishBatchEntries>;

/** PublishBatch with its request read as {@link PublishBatchEntries}. */
export const PUBLISH_BATCH_ENTRIES: DescMethod & {
  input: GenMessage<PublishBatchEntries>;
  output: typeof PublishBatchResponseSchema;
  methodKind: "unary";
} = { ...Aggregator.method.publishBatch, input: PublishBatchEntriesSchema };
