export const CASE_FIELDS = `
  id number channel kind status allowedNextStatuses orderId orderNumber customerEmail reason comment category
  photoUrls requestedResolution resolution assignee escalationTier failureMessage policyVersion createdAt updatedAt
  refund { amount currency } fees { amount currency } storeCredit { amount currency }
  deadlines { firstResponseDue firstRespondedAt resolutionDue resolvedAt }
  decision { eligible reviewRequired photosRequired resolutions escalationPath policyVersion decidedAt }
  lines { orderLineId sku productName quantity reason requestedResolution condition eligible reasons windowEndsAt
          refund { amount currency } fee { amount currency } paid { amount currency }
          alreadyRefunded { amount currency } decision }
`;

/** The words of a case's lines in the reader's language: the operation declares ``$language: String``. */
export const CASE_LINE_TEXTS = `lines { orderLineId windowEndsText(language: $language) reasonTexts(language: $language) { code text } }`;

export const CASE_EVENTS = "events { type at fromStatus toStatus actorType actorId message internal trace payload }";

/** A case mutation's answer, as the case page shows it (the operation declares ``$language: String``). */
export const CASE_PAYLOAD = `{ errors { field code message } case { ${CASE_FIELDS} ${CASE_LINE_TEXTS} ${CASE_EVENTS} } }`;
